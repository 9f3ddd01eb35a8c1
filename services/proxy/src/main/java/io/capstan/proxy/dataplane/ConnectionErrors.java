package io.capstan.proxy.dataplane;

import io.netty.channel.ChannelHandlerContext;
import org.jboss.logging.Logger;

import java.io.IOException;

/**
 * What the proxy's handlers do with an exception that reaches the end of a pipeline: the
 * connection closes either way. A peer that resets or goes away (an {@link IOException}) is
 * ordinary traffic and logged at DEBUG; anything else is a bug in the proxy and logged at WARN
 * with its stack, so a connection that closes without an answer leaves a trace.
 */
final class ConnectionErrors {
    private static final Logger LOG = Logger.getLogger(ConnectionErrors.class);

    private ConnectionErrors() {
    }

    static void log(ChannelHandlerContext ctx, String side, Throwable cause) {
        if (cause instanceof IOException) {
            LOG.debugf("%s connection %s: %s", side, ctx.channel(), cause);
        } else {
            LOG.warnf(cause, "%s connection %s closed by an unexpected error", side, ctx.channel());
        }
    }
}
