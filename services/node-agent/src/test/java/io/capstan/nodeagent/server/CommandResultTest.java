package io.capstan.nodeagent.server;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The error stream's content, in the shapes client-go's v4 and v1 decoders read. */
class CommandResultTest {

    private static String json(CommandResult r) {
        return new String(r.statusJson(), StandardCharsets.UTF_8);
    }

    @Test
    void successIsAStatusWithoutKind() {
        assertThat(json(CommandResult.exited(0))).isEqualTo("{\"metadata\":{},\"status\":\"Success\"}");
    }

    @Test
    void aNonZeroExitCarriesTheCodeInAnExitCodeCause() {
        assertThat(json(CommandResult.exited(3))).isEqualTo("{\"metadata\":{},\"status\":\"Failure\","
                + "\"message\":\"command terminated with non-zero exit code: exit status 3\",\"reason\":\"NonZeroExitCode\","
                + "\"details\":{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"3\"}]}}");
    }

    @Test
    void aFailureToRunIsAnInternalError() {
        assertThat(json(CommandResult.failed("no such file"))).isEqualTo("{\"metadata\":{},\"status\":\"Failure\","
                + "\"message\":\"Internal error occurred: no such file\",\"reason\":\"InternalError\","
                + "\"details\":{\"causes\":[{\"message\":\"no such file\"}]},\"code\":500}");
    }

    @Test
    void olderProtocolsGetTheMessageOfAFailureAndNothingOnSuccess() {
        assertThat(CommandResult.exited(0).text()).isEmpty();
        assertThat(new String(CommandResult.exited(2).text(), StandardCharsets.UTF_8))
                .isEqualTo("command terminated with non-zero exit code: exit status 2");
    }
}
