package dev.agentsandbox.sidecar.proxy;

/**
 * Where the current request/response exchange of one client connection stands: the one place its steps are
 * recorded. The connection carries one exchange at a time (a pipelined request waits until this one ends).
 */
final class ExchangeProgress {

    private boolean inProgress;
    private boolean requestComplete;
    private boolean awaitingResponse;
    private boolean discarding;
    private boolean clientKeepAlive;

    /** A request head arrived. */
    void begin(boolean keepAlive) {
        discarding = false;
        clientKeepAlive = keepAlive;
        inProgress = true;
        requestComplete = false;
    }

    /** The request was refused: its body is dropped as it arrives. */
    void refuse() {
        discarding = true;
    }

    /** The request's last content arrived (and went upstream): the response is awaited. */
    void requestEnded() {
        requestComplete = true;
        awaitingResponse = true;
    }

    /**
     * The final response was relayed.
     *
     * @return whether the connection may carry another exchange: the client wants keep-alive, and the request had
     *         ended (an upstream that answered before the request body ended leaves the connection out of step)
     */
    boolean responseEnded() {
        awaitingResponse = false;
        inProgress = false;
        return clientKeepAlive && requestComplete;
    }

    /** The client wants its connection kept after this exchange. */
    boolean clientKeepAlive() {
        return clientKeepAlive;
    }

    /** The whole request went upstream. */
    boolean requestComplete() {
        return requestComplete;
    }

    /** Between a request head and the end of its response. */
    boolean inProgress() {
        return inProgress;
    }

    /** The whole request is sent and its response has not ended: the client is not read meanwhile. */
    boolean awaitingResponse() {
        return awaitingResponse;
    }

    /** The current request was refused and the rest of it is being dropped. */
    boolean discarding() {
        return discarding;
    }
}
