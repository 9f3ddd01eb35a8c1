package io.capstan.controllers.common;

import io.fabric8.kubernetes.client.KubernetesClientException;

/** How the controllers describe an API error in Events and logs. */
public final class KubeErrors {
    private KubeErrors() {
    }

    /** The Status message the api-server sent, or the client's own message when there is none. */
    public static String message(KubernetesClientException e) {
        return e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage();
    }
}
