package io.capstan.nodeagent.server;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Terminal sizes from the resize stream, however the frames cut them. */
class ResizeDecoderTest {

    @Test
    void sizesSplitAcrossAndJoinedInFramesAreAllSeen() {
        List<String> sizes = new ArrayList<>();
        ResizeDecoder decoder = new ResizeDecoder();
        for (String part : List.of("{\"Width\":80,", "\"Height\":24}{\"Width\":120,\"Height\":40}", "{\"Wid", "th\":1,\"Height\":2}")) {
            decoder.feed(part.getBytes(StandardCharsets.UTF_8), (w, h) -> sizes.add(w + "x" + h));
        }
        assertThat(sizes).containsExactly("80x24", "120x40", "1x2");
    }

    @Test
    void aMalformedOrEmptySizeChangesNothing() {
        List<String> sizes = new ArrayList<>();
        ResizeDecoder decoder = new ResizeDecoder();
        decoder.feed("{nonsense}{\"Width\":0,\"Height\":0}".getBytes(StandardCharsets.UTF_8), (w, h) -> sizes.add(w + "x" + h));
        assertThat(sizes).isEmpty();
    }
}
