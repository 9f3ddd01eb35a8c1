package io.capstan.nodeagent.server;

/**
 * The client side of an exec or attach, whatever carries it (WebSocket channels or SPDY
 * streams). Output methods may block while the client reads slowly and are called from the
 * command's own threads; they return false once the client has gone.
 */
interface CommandConnection {

    boolean stdout(byte[] data, int length);

    boolean stderr(byte[] data, int length);

    /** Sends the outcome (the error stream) and closes the connection. Called once. */
    void finish(CommandResult result);

    /** Closes without an outcome (the client left). */
    void abort();

    /** Stops (false) or resumes (true) reading what the client sends, while stdin backs up. */
    void readInput(boolean enabled);

    /** What runs for the client (an exec, an attach): started once the connection is up. */
    interface Session extends Input {
        /** Starts on threads of its own and returns at once. */
        void start(CommandConnection connection);
    }

    /** What the client sends: delivered on the connection's event loop, in order. */
    interface Input {
        void stdin(byte[] data);

        /** The client will send no more stdin (SPDY FIN on the stdin stream, v5 CLOSE of channel 0). */
        void stdinClosed();

        void resize(int width, int height);

        /** The connection is gone: stop the command. */
        void closed();
    }
}
