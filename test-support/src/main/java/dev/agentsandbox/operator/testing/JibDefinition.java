package dev.agentsandbox.operator.testing;

import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The image build definition of a module: the {@code jib-maven-plugin} configuration of its {@code pom.xml}, the one
 * place each image is defined (hack/README.md, "Images"). Read as the XML it is, with the JDK only, so that each
 * module's tests can check its own image and the chart's tests what the chart expects of both.
 */
public final class JibDefinition {

    private final Element pom;
    private final Element jib;

    private JibDefinition(Element pom, Element jib) {
        this.pom = pom;
        this.jib = jib;
    }

    /** The definition in {@code pomFile}; fails when the pom configures no Jib. */
    public static JibDefinition of(Path pomFile) {
        Element pom;
        try {
            pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pomFile.toFile())
                    .getDocumentElement();
        } catch (Exception e) {
            throw new IllegalStateException("cannot read " + pomFile, e);
        }
        NodeList plugins = pom.getElementsByTagName("plugin");
        for (int i = 0; i < plugins.getLength(); i++) {
            Element plugin = (Element) plugins.item(i);
            if ("jib-maven-plugin".equals(text(plugin, "artifactId"))) {
                return new JibDefinition(pom, (Element) plugin.getElementsByTagName("configuration").item(0));
            }
        }
        throw new AssertionError(pomFile + " configures no jib-maven-plugin");
    }

    /** The first {@code <tag>} of the Jib configuration, trimmed. */
    public String text(String tag) {
        return text(jib, tag);
    }

    /** Every {@code <tag>} of the Jib configuration, in order (e.g. {@code arg}: the entrypoint, then the args). */
    public List<String> values(String tag) {
        return values(jib, tag);
    }

    /** The {@code <from>} of each extra directory: what goes into the image besides the base, in layer order. */
    public List<String> extraDirectorySources() {
        return values((Element) jib.getElementsByTagName("extraDirectories").item(0), "from");
    }

    /** The name {@code <to><image>} gives the image, with the registry and tag a build passes. */
    public String imageName(String registry, String tag) {
        return text((Element) jib.getElementsByTagName("to").item(0), "image")
                .replace("${image.registry}", registry)
                .replace("${image.tag}", tag);
    }

    /** The first {@code <tag>} of the whole pom (e.g. {@code finalName}). */
    public String pomText(String tag) {
        return text(pom, tag);
    }

    private static String text(Element parent, String tag) {
        Node node = parent.getElementsByTagName(tag).item(0);
        if (node == null) {
            throw new AssertionError("no <" + tag + "> under <" + parent.getTagName() + ">");
        }
        return node.getTextContent().trim();
    }

    private static List<String> values(Element parent, String tag) {
        NodeList nodes = parent.getElementsByTagName(tag);
        List<String> values = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            values.add(nodes.item(i).getTextContent().trim());
        }
        return values;
    }
}
