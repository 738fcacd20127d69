package dev.agentsandbox.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A Git repository to clone into the workspace. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class GitSpec {

    @JsonPropertyDescription("HTTPS URL of the repository, e.g. https://github.com/org/repo.git.")
    @Required
    @Pattern("^https://[^\\s@/]+/[^\\s]+$")
    @Size(max = 2048)
    private String url;

    @JsonPropertyDescription("Branch or tag to check out. Omitted: the remote's default branch.")
    @Pattern("^[^\\s~^:?*\\[]+$")
    @Size(max = 255)
    private String ref;

    public String getUrl() {
        return url;
    }

    public void setUrl(String url) {
        this.url = url;
    }

    public String getRef() {
        return ref;
    }

    public void setRef(String ref) {
        this.ref = ref;
    }
}
