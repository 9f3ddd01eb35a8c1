/**
 * The kubelet's streaming API of the node-agent: {@code kubectl logs}, {@code exec},
 * {@code attach} and {@code port-forward} as the api-server proxies them here.
 *
 * <p>kubectl speaks three wire protocols for these, and the api-server passes each through
 * unchanged (a byte tunnel after the 101), so this package speaks all of them:
 * <ul>
 *   <li>WebSocket {@code v5.channel.k8s.io} for exec and attach (kubectl 1.30 and later):
 *       {@link WebSocketCommandConnection};</li>
 *   <li>SPDY/3.1 after {@code Upgrade: SPDY/3.1} (exec and attach before 1.30 or after a failed
 *       WebSocket upgrade; port-forward before 1.31): {@link SpdyConnection} with
 *       {@link SpdyCommandConnection} or {@link PortForwarder};</li>
 *   <li>SPDY/3.1 frames inside WebSocket binary messages, sub-protocol
 *       {@code SPDY/3.1+portforward.k8s.io} (port-forward from 1.31).</li>
 * </ul>
 * SPDY framing and header compression are Netty's codec; the session logic is the small part
 * spdystream (the Go library kubectl uses) relies on. Errors before an upgrade are plain non-101
 * answers, which is what makes kubectl fall back from WebSocket to SPDY instead of hanging.
 * Logs are read from the runtime's CRI log files ({@link LogReader}), the same way for
 * {@code attach}, since the process runtime does not keep a running container's pipes.
 */
package io.capstan.nodeagent.server;
