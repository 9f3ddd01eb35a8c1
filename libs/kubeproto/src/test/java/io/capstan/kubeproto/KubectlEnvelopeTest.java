package io.capstan.kubeproto;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.CodedOutputStream;
import io.capstan.api.json.KubeJson;
import io.capstan.api.status.ApiException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Bodies built byte by byte the way Go's go-to-protobuf marshallers write them: every non-pointer
 * field present even when zero, a zero metav1.Time as an empty message. This is independent of
 * {@link KubeProtobuf#encode}, so it checks decoding against the wire, not against ourselves.
 */
class KubectlEnvelopeTest {

    @Test
    void createConfigMapFromLiteralDecodesToTheJsonKubectlWouldSend() {
        byte[] body = envelope("v1", "ConfigMap", w -> {
            message(w, 1, KubectlEnvelopeTest::goObjectMeta);
            message(w, 2, e -> {
                string(e, 1, "a");
                string(e, 2, "b");
            });
        });

        assertThat(KubeProtobuf.decode(body)).isEqualTo(json("""
                {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"data":{"a":"b"}}"""));
    }

    @Test
    void createNamespaceDecodesWithEmptySpecAndStatusLikeGoJson() {
        byte[] body = envelope("v1", "Namespace", w -> {
            message(w, 1, KubectlEnvelopeTest::goObjectMeta);
            message(w, 2, spec -> { });
            message(w, 3, status -> string(status, 1, ""));
        });

        assertThat(KubeProtobuf.decode(body)).isEqualTo(json("""
                {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"x"},"spec":{},"status":{}}"""));
    }

    @Test
    void createSecretKeepsBinaryDataAsBase64AndTypeAsString() {
        byte[] body = envelope("v1", "Secret", w -> {
            message(w, 1, KubectlEnvelopeTest::goObjectMeta);
            message(w, 2, e -> {
                string(e, 1, "password");
                bytes(e, 2, new byte[]{0, 1, 2, (byte) 0xff});
            });
            string(w, 3, "Opaque");
        });

        assertThat(KubeProtobuf.decode(body)).isEqualTo(json("""
                {"apiVersion":"v1","kind":"Secret","metadata":{"name":"x"},
                 "data":{"password":"AAEC/w=="},"type":"Opaque"}"""));
    }

    @Test
    void pointerFieldSetToZeroSurvivesWhileNonPointerZeroIsOmittedLikeOmitempty() {
        byte[] body = envelope("apps/v1", "Deployment", w -> {
            message(w, 1, KubectlEnvelopeTest::goObjectMeta);
            message(w, 2, spec -> {
                varint(spec, 1, 0);             // replicas: *int32 set to 0
                varint(spec, 5, 0);             // minReadySeconds: int32, omitempty
                varint(spec, 7, 0);             // paused: bool, omitempty
                message(spec, 4, strategy -> {  // strategy: {} is written by Go even when empty
                });
            });
        });

        assertThat(KubeProtobuf.decode(body)).isEqualTo(json("""
                {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"x"},
                 "spec":{"replicas":0,"strategy":{}}}"""));
    }

    @Test
    void fieldsFromANewerClientAreRefusedInsteadOfDroppedSilently() {
        byte[] body = envelope("v1", "ConfigMap", w -> {
            message(w, 1, KubectlEnvelopeTest::goObjectMeta);
            string(w, 999, "from the future");
        });

        assertThatThrownBy(() -> KubeProtobuf.decode(body))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(415))
                .hasMessageContaining("k8s.io.api.core.v1.ConfigMap")
                .hasMessageContaining("[999]")
                .hasMessageContaining("application/json");
    }

    @Test
    void unknownFieldsDeepInsideTheObjectAreRefusedNamingTheirMessage() {
        byte[] body = envelope("apps/v1", "Deployment", w -> {
            message(w, 1, KubectlEnvelopeTest::goObjectMeta);
            message(w, 2, spec -> message(spec, 3, template -> message(template, 2, podSpec -> {
                message(podSpec, 2, container -> {
                    string(container, 1, "app");
                    string(container, 77, "newer");
                });
            })));
        });

        assertThatThrownBy(() -> KubeProtobuf.decode(body))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(415))
                .hasMessageContaining("k8s.io.api.core.v1.Container")
                .hasMessageContaining("[77]");
    }

    @ParameterizedTest(name = "{1} in {0} is 415, the proto schema has no message for it")
    @CsvSource({"coordination.k8s.io/v1, Lease", "discovery.k8s.io/v1, EndpointSlice",
            "autoscaling/v2, HorizontalPodAutoscaler", "apiextensions.k8s.io/v1, CustomResourceDefinition",
            "batch/v1beta1, CronJob"})
    void kindsTheProtoSchemaLacksAreUnsupportedMediaTypeAskingForJson(String apiVersion, String kind) {
        byte[] body = envelope(apiVersion, kind, w -> message(w, 1, KubectlEnvelopeTest::goObjectMeta));

        assertThatThrownBy(() -> KubeProtobuf.decode(body))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(415);
                    assertThat(e.reason()).isEqualTo("UnsupportedMediaType");
                })
                .hasMessageContaining("\"" + kind + "\"")
                .hasMessageContaining("send it as application/json");
    }

    @Test
    void bodyWithoutMagicIsABadRequest() {
        assertThatThrownBy(() -> KubeProtobuf.decode("{\"kind\":\"Pod\"}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(400))
                .hasMessageContaining("magic");
    }

    @Test
    void truncatedEnvelopeIsABadRequest() {
        byte[] body = envelope("v1", "ConfigMap", w -> message(w, 1, KubectlEnvelopeTest::goObjectMeta));
        byte[] cut = Arrays.copyOf(body, body.length - 3);

        assertThatThrownBy(() -> KubeProtobuf.decode(cut))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(400));
    }

    @Test
    void kindWithoutAProtobufMessageIsUnsupportedMediaTypeNamingTheKind() {
        byte[] body = envelope("example.com/v1", "Widget", w -> { });

        assertThatThrownBy(() -> KubeProtobuf.decode(body))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(415))
                .hasMessageContaining("Widget");
    }

    @Test
    void gzipContentEncodingIsUnsupportedMediaType() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[]{'k', '8', 's', 0});
        out.writeBytes(build(w -> {
            message(w, 1, tm -> {
                string(tm, 1, "v1");
                string(tm, 2, "ConfigMap");
            });
            string(w, 3, "gzip");
        }));

        assertThatThrownBy(() -> KubeProtobuf.decode(out.toByteArray()))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(415));
    }

    @ParameterizedTest(name = "\"{0}\" is protobuf: {1}")
    @CsvSource(delimiter = '|', nullValues = "null", value = {
            "application/vnd.kubernetes.protobuf|true",
            "Application/VND.Kubernetes.Protobuf; charset=utf-8|true",
            "application/vnd.kubernetes.protobuf;stream=watch|true",
            "application/json|false",
            "application/vnd.kubernetes.protobuf+json|false",
            "null|false"})
    void recognisesTheProtobufMediaTypeWhateverItsParameters(String contentType, boolean expected) {
        assertThat(KubeProtobuf.isProtobuf(contentType)).isEqualTo(expected);
    }

    /** ObjectMeta as Go writes it for {name: x}: all non-pointer fields, zero Time as empty. */
    private static void goObjectMeta(CodedOutputStream m) throws IOException {
        string(m, 1, "x");
        string(m, 2, "");
        string(m, 3, "");
        string(m, 4, "");
        string(m, 5, "");
        string(m, 6, "");
        varint(m, 7, 0);
        message(m, 8, t -> { });
    }

    private static byte[] envelope(String apiVersion, String kind, Writer object) {
        byte[] raw = build(object);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[]{'k', '8', 's', 0});
        out.writeBytes(build(w -> {
            message(w, 1, tm -> {
                string(tm, 1, apiVersion);
                string(tm, 2, kind);
            });
            bytes(w, 2, raw);
            string(w, 3, "");
            string(w, 4, "");
        }));
        return out.toByteArray();
    }

    interface Writer {
        void write(CodedOutputStream out) throws IOException;
    }

    private static byte[] build(Writer writer) {
        try {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            CodedOutputStream out = CodedOutputStream.newInstance(buf);
            writer.write(out);
            out.flush();
            return buf.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void message(CodedOutputStream out, int field, Writer inner) throws IOException {
        out.writeByteArray(field, build(inner));
    }

    private static void string(CodedOutputStream out, int field, String value) throws IOException {
        out.writeString(field, value);
    }

    private static void bytes(CodedOutputStream out, int field, byte[] value) throws IOException {
        out.writeByteArray(field, value);
    }

    private static void varint(CodedOutputStream out, int field, long value) throws IOException {
        out.writeInt64(field, value);
    }

    private static JsonNode json(String text) {
        return KubeJson.read(text.getBytes(StandardCharsets.UTF_8));
    }
}
