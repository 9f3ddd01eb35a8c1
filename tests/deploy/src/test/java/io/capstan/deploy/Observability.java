package io.capstan.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/** observability/: the alert rules' and the Grafana dashboards' PromQL expressions. */
final class Observability {
    static final Path RULES = Repo.path("observability/prometheus/rules");
    static final Path DASHBOARDS = Repo.path("observability/grafana/dashboards");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private Observability() {
    }

    /** Where an expression is used, for messages, and the expression as Prometheus would run it. */
    record Query(String where, String expr) {
    }

    static List<Path> dashboardFiles() {
        return list(DASHBOARDS, ".json");
    }

    static JsonNode dashboard(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Query> dashboardQueries() {
        List<Query> queries = new ArrayList<>();
        for (Path file : dashboardFiles()) {
            for (JsonNode panel : dashboard(file).get("panels")) {
                for (JsonNode target : panel.path("targets")) {
                    queries.add(new Query(file.getFileName() + " / " + panel.get("title").asText(),
                            PromQl.withGrafanaVariables(target.get("expr").asText())));
                }
            }
        }
        return queries;
    }

    static List<Query> ruleQueries() {
        List<Query> queries = new ArrayList<>();
        for (Path file : list(RULES, ".yml")) {
            for (JsonNode group : yaml(file).get("groups")) {
                for (JsonNode rule : group.get("rules")) {
                    String name = rule.has("alert") ? rule.get("alert").asText() : rule.get("record").asText();
                    queries.add(new Query(file.getFileName() + " / " + name, rule.get("expr").asText()));
                }
            }
        }
        return queries;
    }

    /** The series the rules record themselves (capstan:...), which no role exports. */
    static Set<String> recordedNames() {
        Set<String> names = new TreeSet<>();
        for (Path file : list(RULES, ".yml")) {
            for (JsonNode group : yaml(file).get("groups")) {
                for (JsonNode rule : group.get("rules")) {
                    if (rule.has("record")) {
                        names.add(rule.get("record").asText());
                    }
                }
            }
        }
        return names;
    }

    static List<Query> allQueries() {
        List<Query> all = new ArrayList<>(ruleQueries());
        all.addAll(dashboardQueries());
        return all;
    }

    static JsonNode yaml(Path file) {
        try {
            return YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Path> list(Path dir, String suffix) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(suffix)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
