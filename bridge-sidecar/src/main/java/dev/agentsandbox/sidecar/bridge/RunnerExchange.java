package dev.agentsandbox.sidecar.bridge;

import dev.agentsandbox.sidecar.core.EventLoops;
import dev.agentsandbox.sidecar.core.HttpFraming;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One request's trip to the runner and back: takes an idle keep-alive connection to the runner on the client's
 * event loop ({@link RunnerConnections}) or opens one there, sends the request, and writes the answer to the client
 * piece by piece as it arrives (each read is flushed at once, so a server-sent event reaches the client when the
 * runner sends it), reading the token usage on the way. Back-pressure: the runner is read only while the client's
 * socket keeps up.
 *
 * <p>Failures become one-line JSON errors while the client has not seen the status line yet: {@code 502} when the
 * runner cannot be reached or hangs up, {@code 504} when it stays silent past the read timeout. Once the answer has
 * started the only honest signal left is closing the client connection.
 */
final class RunnerExchange implements RunnerLink.Carried {

    /** The largest model list the bridge reads whole to filter it: 10 MiB. */
    private static final int MAX_MODEL_LIST_BYTES = 10 * 1024 * 1024;
    /** The name of the model list's aggregator, the one handler an exchange adds to a runner connection. */
    private static final String AGGREGATOR = "exchange-model-list";

    /** Called once when the exchange ends; {@code reusable} tells whether the client connection may take another request. */
    interface Completion {
        void done(boolean reusable);
    }

    private final Channel client;
    private final ForwardedRequest request;
    private final BridgeContext context;
    private final RunnerConnections pool;
    private final Completion completion;
    private Channel runner;
    private RunnerLink link;
    /** The whole request went out (a runner may answer before it has read all of it). */
    private boolean requestWritten;
    /** The runner did not ask to close the connection after this answer. */
    private boolean runnerKeepsConnection;
    private UsageScanner usage;
    private HttpResponseStatus status;
    private boolean answerStarted;
    /** Some of the answer's body came already. */
    private boolean bodyStarted;
    /** The runner's answer arrived whole. */
    private boolean runnerEnded;
    private boolean finished;

    private RunnerExchange(Channel client, ForwardedRequest request, BridgeContext context, RunnerConnections pool,
                           Completion completion) {
        this.client = client;
        this.request = request;
        this.context = context;
        this.pool = pool;
        this.completion = completion;
    }

    /**
     * What is being forwarded.
     *
     * @param upstream  the request for the runner (released by the exchange)
     * @param route     its route
     * @param model     the model it runs on (null for the model list)
     * @param models    the model policy in force when it arrived (filters the model list)
     * @param keepAlive whether the client wants to keep its connection
     * @param runner    where the runner is
     * @param bodyBytes the size of the request body sent (the prompt estimate of an answer that reports no usage)
     */
    record ForwardedRequest(FullHttpRequest upstream, InferenceRoute route, String model, ModelPolicy models,
                            boolean keepAlive, RunnerEndpoints runner, int bodyBytes, long startNanos) {
    }

    /**
     * Sends the request on an idle keep-alive connection to the runner from {@code pool}, or on a new one; call on
     * the client channel's event loop.
     */
    static RunnerExchange start(Channel client, ForwardedRequest request, BridgeContext context,
                                AddressResolverGroup<InetSocketAddress> resolver, RunnerConnections pool,
                                Completion completion) {
        RunnerExchange exchange = new RunnerExchange(client, request, context, pool, completion);
        Optional<RunnerLink> idle = pool.acquire(client.eventLoop(), exchange.runnerAddress());
        if (idle.isPresent()) {
            exchange.attachTo(idle.get());
            exchange.send();
            return exchange;
        }
        ChannelFuture connecting = EventLoops.upstream(client.eventLoop(), context.connectTimeout(),
                        new ChannelInitializer<>() {
                            @Override
                            protected void initChannel(Channel ch) {
                                ch.pipeline().addLast(HttpFraming.clientCodec(BridgeServer.MAX_HEADER_BYTES,
                                        64 * 1024));
                                exchange.attachTo(RunnerLink.addTo(ch));
                            }
                        })
                .resolver(resolver)
                .connect(InetSocketAddress.createUnresolved(request.runner().host(), request.runner().port()));
        exchange.runner = connecting.channel();
        connecting.addListener((ChannelFutureListener) future -> exchange.connected(future));
        return exchange;
    }

    /**
     * Takes the connection of {@code link}; the model list, read whole to be filtered, also gets an aggregator
     * between the codec and the link, which {@link #detach} takes out again before the connection is pooled.
     */
    private void attachTo(RunnerLink link) {
        this.link = link;
        runner = link.channel();
        if (request.route() == InferenceRoute.MODELS) {
            runner.pipeline().addBefore(RunnerLink.NAME, AGGREGATOR, new HttpObjectAggregator(MAX_MODEL_LIST_BYTES));
        }
        link.carry(this);
    }

    private void detach() {
        link.drop();
        if (request.route() == InferenceRoute.MODELS && runner.pipeline().get(AGGREGATOR) != null) {
            runner.pipeline().remove(AGGREGATOR);
        }
    }

    private void connected(ChannelFuture future) {
        if (!future.isSuccess()) {
            ReferenceCountUtil.release(request.upstream());
            failBeforeAnswer(BridgeError.runnerUnreachable(runnerName(), describe(future.cause())), "unreachable");
            return;
        }
        if (finished) {
            ReferenceCountUtil.release(request.upstream());
            runner.close();
            return;
        }
        send();
    }

    private void send() {
        link.awaitAnswer(context.readTimeout());
        runner.writeAndFlush(request.upstream()).addListener((ChannelFutureListener) written -> {
            requestWritten = written.isSuccess();
            if (!written.isSuccess()) {
                failBeforeAnswer(BridgeError.runnerUnreachable(runnerName(), describe(written.cause())),
                        "unreachable");
            }
        });
        runner.config().setAutoRead(client.isWritable());
    }

    @Override
    public void runnerRead(Object msg) {
        if (finished) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpResponse response) {
            runnerKeepsConnection = HttpUtil.isKeepAlive(response);
            if (msg instanceof FullHttpResponse full && request.route() == InferenceRoute.MODELS
                    && full.status().equals(HttpResponseStatus.OK)) {
                answerWithFilteredModelList(full);
                return;
            }
            startAnswer(response);
        }
        if (msg instanceof HttpContent content) {
            boolean last = msg instanceof LastHttpContent;
            if (last && !bodyStarted) {
                usage.feedWhole(content.content());
            } else {
                usage.feed(content.content());
            }
            bodyStarted = true;
            runnerEnded = last;
            if (last && context.usagelessStreams().cutsAnswer() && streamWithoutUsage()) {
                // The last piece is withheld and the connection closed: the answer falls short of its framing
                // (the chunked terminator, or bytes of its Content-Length), so the client sees a broken answer.
                ReferenceCountUtil.release(msg);
                finish(false, "cut-stream-without-usage");
                return;
            }
            if (msg instanceof HttpResponse) {
                // an aggregated answer (an error on the model list): its head is written, now its body
                client.write(new DefaultLastHttpContent(content.content().retain()), client.voidPromise());
                ReferenceCountUtil.release(msg);
            } else {
                client.write(msg, client.voidPromise());
            }
            if (last) {
                finish(true, "ok");
                return;
            }
        }
        if (!client.isWritable()) {
            runner.config().setAutoRead(false);
        }
    }

    private void startAnswer(HttpResponse response) {
        status = response.status();
        ForwardedHeaders.strip(response.headers(), Set.of());
        DefaultHttpResponse answer = new DefaultHttpResponse(HttpVersion.HTTP_1_1, response.status(),
                response.headers());
        if (!HttpUtil.isContentLengthSet(answer)) {
            HttpUtil.setTransferEncodingChunked(answer, true);
        }
        HttpUtil.setKeepAlive(answer, request.keepAlive());
        usage = UsageScanner.forContentType(response.headers().get(HttpHeaderNames.CONTENT_TYPE));
        answerStarted = true;
        client.write(answer, client.voidPromise());
    }

    private void answerWithFilteredModelList(FullHttpResponse full) {
        Optional<byte[]> filtered = ModelListFilter.filter(ByteBufUtil.getBytes(full.content()), request.models());
        if (filtered.isEmpty()) {
            full.release();
            failBeforeAnswer(BridgeError.runnerUnreachable(runnerName(), "its model list is not an OpenAI list"),
                    "bad-model-list");
            return;
        }
        ForwardedHeaders.strip(full.headers(), ForwardedHeaders.SET_BY_BRIDGE_ON_REWRITTEN_RESPONSE);
        FullHttpResponse answer = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, full.status(),
                Unpooled.wrappedBuffer(filtered.get()), full.headers(),
                DefaultHttpHeadersFactory.trailersFactory().newHeaders());
        HttpUtil.setContentLength(answer, filtered.get().length);
        HttpUtil.setKeepAlive(answer, request.keepAlive());
        full.release();
        status = answer.status();
        usage = UsageScanner.forContentType(null);
        answerStarted = true;
        runnerEnded = true;
        client.write(answer, client.voidPromise());
        finish(true, "ok");
    }

    @Override
    public void runnerReadComplete() {
        client.flush();
    }

    @Override
    public void runnerSilent() {
        if (answerStarted) {
            finish(false, "timeout-mid-answer");
        } else {
            failBeforeAnswer(BridgeError.runnerTimeout(runnerName(), context.readTimeout().toSeconds()), "timeout");
        }
    }

    @Override
    public void runnerClosed() {
        if (answerStarted) {
            finish(false, "runner-closed-mid-answer");
        } else {
            failBeforeAnswer(BridgeError.runnerUnreachable(runnerName(), "it closed the connection without"
                    + " answering"), "unreachable");
        }
    }

    @Override
    public void runnerFailed(Throwable cause) {
        if (answerStarted) {
            finish(false, "runner-error-mid-answer");
        } else {
            failBeforeAnswer(BridgeError.runnerUnreachable(runnerName(), describe(cause)), "unreachable");
        }
    }

    /** The client's socket drained or filled up: read from the runner only while the client keeps up. */
    void clientWritabilityChanged() {
        if (runner != null && runner.isActive() && !finished) {
            runner.config().setAutoRead(client.isWritable());
        }
    }

    /** The client went away: stop the runner's work on its behalf. */
    void clientGone() {
        finish(false, "client-gone");
    }

    private void failBeforeAnswer(BridgeError error, String outcome) {
        if (finished) {
            return;
        }
        context.meter().refused(error.code());
        status = error.status();
        FullHttpResponse answer = error.toResponse(request.route().api());
        HttpUtil.setKeepAlive(answer, request.keepAlive());
        if (client.isActive()) {
            client.writeAndFlush(answer, client.voidPromise());
        } else {
            answer.release();
        }
        finish(true, outcome);
    }

    /** Ends the exchange once: counts its usage, logs it, frees the runner connection, hands the client back. */
    private void finish(boolean answerComplete, String outcome) {
        if (finished) {
            return;
        }
        finished = true;
        TokenUsage tokens = usage == null ? TokenUsage.NONE : usage.usage();
        if (streamWithoutUsage()) {
            tokens = chargeStreamWithoutUsage();
        }
        context.meter().record(request.model(), tokens);
        if (link != null) {
            releaseRunner();
        } else if (runner != null) {
            runner.close();
        }
        client.flush();
        context.log().info("inference")
                .field("path", request.route().path())
                .field("model", request.model())
                .field("status", status == null ? null : status.code())
                .field("outcome", outcome)
                .field("promptTokens", tokens.promptTokens())
                .field("completionTokens", tokens.completionTokens())
                .field("ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - request.startNanos()))
                .write();
        completion.done(answerComplete && request.keepAlive());
    }

    /**
     * Pools the runner connection when it carried a whole answer and the runner keeps it open (the next request on
     * this loop reuses it); closes it otherwise (a cut answer, a timeout, an error: what is left on it is unknown).
     */
    private void releaseRunner() {
        detach();
        if (runnerEnded && requestWritten && runnerKeepsConnection && runner.isActive()) {
            pool.release(link, runnerAddress());
        } else {
            runner.close();
        }
    }

    /** The runner's address, the key of its pooled connections. */
    private String runnerAddress() {
        return request.runner().host() + ":" + request.runner().port();
    }

    /** A successful event stream that has reported no usage (so far, or at its end). */
    private boolean streamWithoutUsage() {
        return usage != null && usage.eventStream() && !usage.usageReported()
                && status != null && status.code() / 100 == 2;
    }

    /**
     * Charges an estimate for a stream without usage. A whole one is the runner's doing: counted, and learned from
     * under {@code refuse}. One cut short (the client left, the runner failed) is charged the estimate of what it
     * carried too, so leaving a stream before its usage event does not make it free.
     */
    private TokenUsage chargeStreamWithoutUsage() {
        if (!runnerEnded) {
            return TokenBudget.estimateUnreported(request.bodyBytes(), usage.generatedChars());
        }
        TokenUsage estimate = context.usagelessStreams().charge(request.model(), request.bodyBytes(),
                usage.generatedChars());
        context.meter().streamWithoutUsage();
        context.log().warn("stream-without-usage")
                .field("path", request.route().path())
                .field("model", request.model())
                .field("generatedChars", usage.generatedChars())
                .field("estimatedPromptTokens", estimate.promptTokens())
                .field("estimatedCompletionTokens", estimate.completionTokens())
                .field("mode", context.usagelessStreams().mode().cliValue())
                .write();
        return estimate;
    }

    private String runnerName() {
        return request.runner().hostHeader();
    }

    private static String describe(Throwable cause) {
        if (cause == null) {
            return "unknown error";
        }
        String message = cause.getMessage();
        return message == null ? cause.getClass().getSimpleName() : message;
    }
}
