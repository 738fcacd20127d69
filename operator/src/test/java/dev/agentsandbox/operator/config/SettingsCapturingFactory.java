package dev.agentsandbox.operator.config;

/**
 * {@link ApiServerHttpClientFactory} that keeps the JDK client builder it configured last, for a test to build and
 * send with itself: Fabric8's client does not tell which protocol or cipher suite a request got, the JDK's does. The
 * builder is usable while the Fabric8 client it was made for is open (its executor goes with it).
 */
public class SettingsCapturingFactory extends ApiServerHttpClientFactory {

    private volatile java.net.http.HttpClient.Builder settings;

    @Override
    protected void additionalConfig(java.net.http.HttpClient.Builder builder) {
        super.additionalConfig(builder);
        settings = builder;
    }

    /** The JDK client builder of the last client this factory made. */
    public java.net.http.HttpClient.Builder settings() {
        return settings;
    }
}
