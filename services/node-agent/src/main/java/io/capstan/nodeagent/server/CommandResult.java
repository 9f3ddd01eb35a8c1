package io.capstan.nodeagent.server;

import io.capstan.api.json.KubeJson;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;

/**
 * How a remote command ended, and how the error stream says it: protocol v4 and later send a
 * {@code Status} whose {@code NonZeroExitCode} reason carries the exit code in an
 * {@code ExitCode} cause (the only place client-go reads it from); older protocols send the
 * message of a failure as plain text and nothing on success.
 */
record CommandResult(Integer exitCode, String error) {

    static CommandResult exited(int code) {
        return new CommandResult(code, null);
    }

    /** The command could not be run or was cut off: an InternalError, as the kubelet reports it. */
    static CommandResult failed(String message) {
        return new CommandResult(null, message);
    }

    /** The v4 (and v5) error stream content. */
    byte[] statusJson() {
        ObjectNode s = KubeJson.object();
        s.putObject("metadata");
        if (error == null && exitCode == 0) {
            s.put("status", "Success");
        } else if (error == null) {
            s.put("status", "Failure");
            s.put("message", message());
            s.put("reason", "NonZeroExitCode");
            s.putObject("details").putArray("causes").addObject().put("reason", "ExitCode").put("message", String.valueOf(exitCode));
        } else {
            s.put("status", "Failure");
            s.put("message", message());
            s.put("reason", "InternalError");
            s.putObject("details").putArray("causes").addObject().put("message", error);
            s.put("code", 500);
        }
        return KubeJson.bytes(s);
    }

    /** The v1-v3 error stream content: the failure's message, nothing on success. */
    byte[] text() {
        return error == null && exitCode == 0 ? new byte[0] : message().getBytes(StandardCharsets.UTF_8);
    }

    private String message() {
        return error == null ? "command terminated with non-zero exit code: exit status " + exitCode
                : "Internal error occurred: " + error;
    }
}
