package io.capstan.controllers.common;

import io.capstan.api.status.ApiException;
import io.fabric8.kubernetes.client.KubernetesClientException;

/** How the controllers describe an API error in Events and logs. */
public final class KubeErrors {
    private KubeErrors() {
    }

    /**
     * Whether a write was refused because its namespace is being deleted: every later create there
     * fails the same way, and the controllers let it be, as upstream's do
     * ({@code apierrors.HasStatusCause(err, v1.NamespaceTerminatingCause)}).
     */
    public static boolean namespaceTerminating(KubernetesClientException e) {
        return e.getStatus() != null && e.getStatus().getDetails() != null && e.getStatus().getDetails().getCauses() != null
                && e.getStatus().getDetails().getCauses().stream().anyMatch(c -> ApiException.Cause.NAMESPACE_TERMINATING.equals(c.getReason()));
    }

    /** The Status message the api-server sent, or the client's own message when there is none. */
    public static String message(KubernetesClientException e) {
        return e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage();
    }
}
