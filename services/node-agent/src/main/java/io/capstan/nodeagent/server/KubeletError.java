package io.capstan.nodeagent.server;

/**
 * A request the streaming server refuses before anything is streamed, answered as the kubelet
 * does: the HTTP code and a one-line plain-text message. The api-server turns these into
 * Status errors for logs and passes them through for upgrades, where kubectl prints them.
 */
final class KubeletError extends Exception {
    private final int code;

    KubeletError(int code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    int code() {
        return code;
    }

    static KubeletError badRequest(String message) {
        return new KubeletError(400, message);
    }

    static KubeletError notFound(String message) {
        return new KubeletError(404, message);
    }
}
