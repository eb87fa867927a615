package dev.payments.testsupport;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A port nobody listens on right now, for a server a test starts. Taken from 12000-19999, below
 * the kernel's ephemeral range (32768-60999 on Linux by default), never from it: an ephemeral port
 * that is free now can be taken by any outgoing connection (a pool's, HAProxy's) before the server
 * that asked for it binds it, and with three instances and their pools that happened ("port in
 * use"). None of the fixed ports of docker/ha/ha.sh is in this range, and no port is handed out twice.
 */
public final class FreePorts {

    private static final int FIRST = 12000;
    private static final int LAST = 19999;
    private static final Set<Integer> GIVEN = new HashSet<>();

    private FreePorts() {
    }

    public static synchronized int next() {
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(FIRST, LAST + 1);
            if (!GIVEN.contains(port) && free(port)) {
                GIVEN.add(port);
                return port;
            }
        }
        throw new IllegalStateException("no free port in " + FIRST + "-" + LAST);
    }

    private static boolean free(int port) {
        try (ServerSocket socket = new ServerSocket(port)) {
            return true;
        } catch (IOException inUse) {
            return false;
        }
    }
}
