package io.capstan.deploy;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every Quarkus service (services/* and mesh/*) is an image: it has src/main/docker/Dockerfile.jvm
 * (which also switches on the root pom's Jib profile), the one shared template with its own
 * module, role and port, the same port in its pom's capstan.image.port and its
 * application.properties, and a place in the chart and in docker-compose.yml. Its role is the
 * image's name, the artifactId without "capstan-" (mesh/control-plane is mesh-control-plane).
 */
class DockerfilesTest {
    private static final Pattern EXPOSE = Pattern.compile("(?m)^EXPOSE (\\d+)$");
    private static final Pattern ARTIFACT = Pattern.compile("</parent>\\s*<artifactId>capstan-([a-z-]+)</artifactId>");

    /** A Quarkus service: its directory relative to the checkout and its role. */
    record Module(String dir, String role) {
    }

    static List<Module> modules() {
        List<Module> modules = new java.util.ArrayList<>();
        for (String parent : List.of("services", "mesh")) {
            try (Stream<Path> dirs = Files.list(Repo.path(parent))) {
                dirs.filter(d -> Files.exists(d.resolve("pom.xml")) && read(d.resolve("pom.xml")).contains("quarkus-maven-plugin"))
                        .forEach(d -> {
                            Matcher artifact = ARTIFACT.matcher(read(d.resolve("pom.xml")));
                            assertThat(artifact.find()).as("artifactId capstan-<role> in %s", d).isTrue();
                            modules.add(new Module(parent + "/" + d.getFileName(), artifact.group(1)));
                        });
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        modules.sort(java.util.Comparator.comparing(Module::dir));
        return modules;
    }

    static List<String> roles() {
        return modules().stream().map(Module::role).toList();
    }

    @Test
    void everyQuarkusServiceHasTheSharedDockerfileWithItsOwnRoleAndPort() {
        List<Module> modules = modules();
        assertThat(modules).extracting(Module::role)
                .contains("api-server", "controller-manager", "scheduler", "node-agent", "mesh-control-plane", "proxy");
        String template = null;
        for (Module module : modules) {
            String role = module.role();
            Path service = Repo.path(module.dir());
            String dockerfile = read(service.resolve("src/main/docker/Dockerfile.jvm"));
            Matcher expose = EXPOSE.matcher(dockerfile);
            assertThat(expose.find()).as(role).isTrue();
            String port = expose.group(1);
            assertThat(read(service.resolve("pom.xml"))).as(role)
                    .contains("<capstan.image.port>" + port + "</capstan.image.port>");
            assertThat(read(service.resolve("src/main/resources/application.properties"))).as(role)
                    .containsPattern("(?m)^quarkus.http.port=" + port + "$");
            String shape = dockerfile.replace(module.dir(), "MODULE").replace(role, "ROLE").replace("EXPOSE " + port, "EXPOSE PORT");
            if (template == null) {
                template = shape;
            }
            assertThat(shape).as("%s's Dockerfile.jvm differs from the others beyond role and port", role).isEqualTo(template);
        }
        assertThat(template).contains("USER 185").contains("quarkus-run.jar").contains("FROM ${BASE_IMAGE}");
    }

    @Test
    void everyImageIsDeployedByTheChartAndByCompose() {
        Set<String> workloads = Chart.byKindAndName(Chart.objects(Chart.render(Map.of()))).keySet();
        String compose = Repo.read("docker-compose.yml");
        for (String role : roles()) {
            assertThat(workloads).as(role).containsAnyOf("Deployment/capstan-" + role, "DaemonSet/capstan-" + role);
            assertThat(compose).as(role).contains("/" + role + ":${CAPSTAN_VERSION");
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
