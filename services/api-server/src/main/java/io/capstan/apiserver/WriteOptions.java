package io.capstan.apiserver;

import io.capstan.api.status.ApiException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The query options every write carries ({@code dryRun}, {@code fieldManager},
 * {@code fieldValidation}, {@code force}) and the warnings collected while serving it, which
 * become {@code Warning:} headers.
 */
public final class WriteOptions {
    public enum FieldValidation { IGNORE, WARN, STRICT }

    private final boolean dryRun;
    private final String fieldManager;
    private final FieldValidation fieldValidation;
    private final boolean force;
    private final List<String> warnings = new ArrayList<>();

    public WriteOptions(boolean dryRun, String fieldManager, FieldValidation fieldValidation, boolean force) {
        this.dryRun = dryRun;
        this.fieldManager = fieldManager;
        this.fieldValidation = fieldValidation;
        this.force = force;
    }

    /** Reads the options from query parameters, rejecting bad values as kube-apiserver does. */
    public static WriteOptions fromQuery(Map<String, List<String>> query, String defaultManager) {
        List<String> dry = query.getOrDefault("dryRun", List.of());
        for (String d : dry) {
            if (!d.equals("All")) {
                throw ApiException.badRequest("Invalid dry run value: dryRun: Unsupported value: \"" + d + "\": supported values: \"All\"");
            }
        }
        String manager = first(query, "fieldManager");
        if (manager != null && manager.length() > 128) {
            throw ApiException.badRequest("fieldManager: Too long: may not be more than 128 bytes");
        }
        String validation = first(query, "fieldValidation");
        FieldValidation fv;
        if (validation == null || validation.isEmpty() || validation.equals("Warn")) {
            fv = FieldValidation.WARN;
        } else if (validation.equals("Strict")) {
            fv = FieldValidation.STRICT;
        } else if (validation.equals("Ignore")) {
            fv = FieldValidation.IGNORE;
        } else {
            throw ApiException.badRequest("fieldValidation: Unsupported value: \"" + validation
                    + "\": supported values: \"Ignore\", \"Strict\", \"Warn\"");
        }
        String force = first(query, "force");
        return new WriteOptions(!dry.isEmpty(), manager == null || manager.isEmpty() ? defaultManager : manager, fv,
                "true".equals(force));
    }

    static String first(Map<String, List<String>> query, String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    public boolean dryRun() {
        return dryRun;
    }

    public String fieldManager() {
        return fieldManager;
    }

    public FieldValidation fieldValidation() {
        return fieldValidation;
    }

    public boolean force() {
        return force;
    }

    public void warn(String warning) {
        warnings.add(warning);
    }

    public List<String> warnings() {
        return warnings;
    }
}
