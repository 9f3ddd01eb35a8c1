package io.capstan.apiserver;

import java.util.Locale;

/**
 * Content negotiation as kube-apiserver does it: JSON is always available; YAML on request;
 * {@code as=Table} and {@code as=PartialObjectMetadata[List]} transformations of
 * {@code meta.k8s.io}. Protobuf responses are not produced: clients that offer JSON too (all
 * of kubectl, client-go, Helm) get JSON and read the Content-Type.
 */
public final class MediaTypes {
    public static final String JSON = "application/json";
    public static final String YAML = "application/yaml";
    public static final String PROTOBUF = "application/vnd.kubernetes.protobuf";
    public static final String JSON_PATCH = "application/json-patch+json";
    public static final String MERGE_PATCH = "application/merge-patch+json";
    public static final String STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json";
    public static final String APPLY_PATCH = "application/apply-patch+yaml";
    public static final String APPLY_PATCH_CBOR = "application/apply-patch+cbor";

    /** What the client asked the response to be. */
    public enum Target { OBJECT, TABLE, PARTIAL_METADATA }

    /** A negotiated response form. */
    public record Negotiated(Target target, boolean yaml, String tableVersion) {
    }

    private MediaTypes() {
    }

    /** Picks the first acceptable alternative of an Accept header. */
    public static Negotiated negotiate(String accept) {
        if (accept == null || accept.isBlank()) {
            return new Negotiated(Target.OBJECT, false, null);
        }
        for (String alternative : accept.split(",")) {
            String[] params = alternative.trim().split(";");
            String type = params[0].trim().toLowerCase(Locale.ROOT);
            String as = null;
            String g = null;
            String v = null;
            for (int i = 1; i < params.length; i++) {
                String[] kv = params[i].trim().split("=", 2);
                if (kv.length == 2) {
                    switch (kv[0].trim()) {
                        case "as" -> as = kv[1].trim();
                        case "g" -> g = kv[1].trim();
                        case "v" -> v = kv[1].trim();
                        default -> {
                        }
                    }
                }
            }
            if (as != null) {
                if (!"meta.k8s.io".equals(g) || !("v1".equals(v) || "v1beta1".equals(v))) {
                    continue;
                }
                if (as.equals("Table") && type.equals(JSON)) {
                    return new Negotiated(Target.TABLE, false, v);
                }
                if ((as.equals("PartialObjectMetadata") || as.equals("PartialObjectMetadataList")) && type.equals(JSON)) {
                    return new Negotiated(Target.PARTIAL_METADATA, false, v);
                }
                continue;
            }
            switch (type) {
                case JSON, "*/*", "application/*":
                    return new Negotiated(Target.OBJECT, false, null);
                case YAML:
                    return new Negotiated(Target.OBJECT, true, null);
                default:
                    break;
            }
        }
        // Clients that only offer protobuf still understand the JSON Content-Type better than a 406.
        return new Negotiated(Target.OBJECT, false, null);
    }

    /** The media type without parameters, lower case; null stays null. */
    public static String base(String contentType) {
        if (contentType == null) {
            return null;
        }
        int semi = contentType.indexOf(';');
        return (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
    }
}
