package io.capstan.mesh.xds;

import io.capstan.xds.XdsNames;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import com.google.protobuf.Value;
import org.jboss.logging.Logger;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Follows every ADS stream: which group its client belongs to, and for each request whether it
 * is the first of its type, an ACK or a NACK ({@code error_detail} set). ACKs feed the
 * convergence histogram; a NACK is logged with the client, type, version and reason, counted,
 * and the group's snapshot of that type is rolled back to the version the client last
 * acknowledged (java-control-plane would otherwise answer the NACK's watch with the rejected
 * version again, in a loop). Pushes and open streams are counted too.
 *
 * <p>Thread-safe: requests of one stream arrive in order; responses of one stream are sent by
 * one executor; streams are independent.
 */
public final class XdsCallbacks implements DiscoveryServerCallbacks {
    private static final Logger LOG = Logger.getLogger(XdsCallbacks.class);

    /** What is known about one stream: its client and, per type, the last response sent. */
    private static final class StreamState {
        volatile String group;
        volatile String nodeId = "";
        final Map<String, String> lastNonce = new ConcurrentHashMap<>();
        final Map<String, String> lastVersion = new ConcurrentHashMap<>();
        final Map<String, String> ackedVersion = new ConcurrentHashMap<>();
    }

    private final SnapshotPublisher publisher;
    private final XdsMetrics metrics;
    private final ConvergenceTracker convergence;
    private final Map<Long, StreamState> streams = new ConcurrentHashMap<>();

    XdsCallbacks(SnapshotPublisher publisher, XdsMetrics metrics, ConvergenceTracker convergence) {
        this.publisher = publisher;
        this.metrics = metrics;
        this.convergence = convergence;
    }

    @Override
    public void onStreamOpen(long streamId, String typeUrl) {
        streams.put(streamId, new StreamState());
        metrics.streamOpened();
    }

    @Override
    public void onStreamClose(long streamId, String typeUrl) {
        closed(streamId);
    }

    @Override
    public void onStreamCloseWithError(long streamId, String typeUrl, Throwable error) {
        closed(streamId);
    }

    private void closed(long streamId) {
        StreamState s = streams.remove(streamId);
        if (s == null) {
            return;
        }
        metrics.streamClosed();
        convergence.streamClosed(streamId);
        if (s.group != null) {
            publisher.clientDisconnected(s.group);
        }
    }

    @Override
    public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
        // on a NACK version_info is the client's last good version
        requested(streamId, request.getNode(), request.getTypeUrl(), request.getResponseNonce(),
                request.hasErrorDetail() ? request.getErrorDetail().getMessage() : null, s -> request.getVersionInfo(),
                s -> request.getVersionInfo());
    }

    @Override
    public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
        // delta requests carry no version: a NACK's last good one is the last the client ACKed, an ACK's the last sent
        requested(streamId, request.getNode(), request.getTypeUrl(), request.getResponseNonce(),
                request.hasErrorDetail() ? request.getErrorDetail().getMessage() : null,
                s -> s.ackedVersion.getOrDefault(request.getTypeUrl(), ""), s -> s.lastVersion.get(request.getTypeUrl()));
    }

    /** A request of either protocol: a first one for its type, an ACK or a NACK of the last response (a stale nonce is ignored, as the server does). */
    private void requested(long streamId, Node node, String type, String nonce, String error,
                           Function<StreamState, String> lastGoodVersion, Function<StreamState, String> ackedVersion) {
        StreamState s = joined(streamId, node);
        if (s == null) {
            return;
        }
        if (nonce.isEmpty()) {
            convergence.watched(streamId, type);
        } else if (nonce.equals(s.lastNonce.get(type))) {
            if (error != null) {
                nacked(s, type, nonce, lastGoodVersion.apply(s), error);
            } else {
                acked(streamId, s, type, ackedVersion.apply(s));
            }
        }
    }

    @Override
    public void onV3StreamResponse(long streamId, DiscoveryRequest request, DiscoveryResponse response) {
        sent(streamId, response.getTypeUrl(), response.getNonce(), response.getVersionInfo());
    }

    @Override
    public void onV3StreamDeltaResponse(long streamId, DeltaDiscoveryRequest request, DeltaDiscoveryResponse response) {
        sent(streamId, response.getTypeUrl(), response.getNonce(), response.getSystemVersionInfo());
    }

    private void sent(long streamId, String type, String nonce, String version) {
        metrics.pushed(type);
        StreamState s = streams.get(streamId);
        if (s != null) {
            s.lastVersion.put(type, version);
            s.lastNonce.put(type, nonce);
        }
    }

    /** The stream's state; on its first request, its group is taken from the node and the group made if new. */
    private StreamState joined(long streamId, Node node) {
        StreamState s = streams.get(streamId);
        if (s == null || s.group != null) {
            return s;
        }
        String group = XdsNames.group(node);
        Value ip = node.getMetadata().getFieldsMap().get(XdsNames.NODE_IP);
        s.nodeId = node.getId();
        s.group = group;
        convergence.streamJoined(streamId, group);
        publisher.clientConnected(group, ip == null ? null : ip.getStringValue());
        LOG.debugf("xDS client %s (%s) joined group %s", node.getId(), node.getUserAgentName(), group);
        return s;
    }

    private void acked(long streamId, StreamState s, String type, String version) {
        if (version == null) {
            return;
        }
        s.ackedVersion.put(type, version);
        convergence.acked(streamId, type, version);
    }

    private void nacked(StreamState s, String type, String nonce, String goodVersion, String reason) {
        metrics.rejected(type);
        String rejected = s.lastVersion.getOrDefault(type, "");
        boolean rolledBack = publisher.rollback(s.group, type, goodVersion);
        LOG.warnf("xDS client %s (group %s) rejected %s version %s (nonce %s): %s; %s", s.nodeId, s.group, XdsTypes.shortName(type),
                rejected, nonce, reason, rolledBack ? "group rolled back to its version '" + goodVersion + "'" : "nothing to roll back");
    }
}
