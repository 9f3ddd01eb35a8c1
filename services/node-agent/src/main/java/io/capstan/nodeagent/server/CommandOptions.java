package io.capstan.nodeagent.server;

import io.vertx.core.MultiMap;

import java.util.List;

/**
 * What an exec or attach request asks for, from the kubelet's query ({@code command} repeated,
 * {@code input}, {@code output}, {@code error}, {@code tty} as "1"; the api-server translates
 * kubectl's {@code stdin=true...} into these, as kube-apiserver does). With a terminal there
 * is no separate stderr: the terminal carries both.
 */
record CommandOptions(List<String> command, boolean stdin, boolean stdout, boolean stderr, boolean tty) {

    static CommandOptions parse(MultiMap query, boolean needsCommand) throws KubeletError {
        boolean tty = "1".equals(query.get("tty"));
        boolean stdin = "1".equals(query.get("input"));
        boolean stdout = "1".equals(query.get("output"));
        boolean stderr = "1".equals(query.get("error")) && !tty;
        if (!stdin && !stdout && !stderr) {
            throw KubeletError.badRequest("you must specify at least 1 of stdin, stdout, stderr");
        }
        List<String> command = List.copyOf(query.getAll("command"));
        if (needsCommand && command.isEmpty()) {
            throw KubeletError.badRequest("you must specify at least one command for the container");
        }
        return new CommandOptions(command, stdin, stdout, stderr, tty);
    }
}
