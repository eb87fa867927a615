package dev.payments.testsupport;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A DNS server on loopback (UDP) for the tests: the names a test gives it an IPv4 address answer
 * with it (A) and with no record (AAAA); the names it is told to hang get no answer at all, as a
 * slow or hostile server a merchant controls would do; every other name is NXDOMAIN. TestEnvironment
 * starts one and points payments.webhooks.dns-server at it.
 */
public final class FakeDns implements AutoCloseable {

    private static volatile FakeDns shared;

    private final DatagramSocket socket;
    private final Map<String, byte[]> answers = new ConcurrentHashMap<>();
    private final Set<String> hanging = ConcurrentHashMap.newKeySet();
    private final Thread thread;

    private FakeDns() throws IOException {
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        thread = new Thread(this::serve, "fake-dns");
        thread.setDaemon(true);
        thread.start();
    }

    static FakeDns start() {
        try {
            shared = new FakeDns();
            return shared;
        } catch (IOException e) {
            throw new IllegalStateException("cannot open a UDP port on loopback", e);
        }
    }

    /** The one TestEnvironment started, in this JVM. */
    public static FakeDns shared() {
        if (shared == null) {
            throw new IllegalStateException("TestEnvironment has not started a DNS server");
        }
        return shared;
    }

    /** host:port, as payments.webhooks.dns-server takes it. */
    public String address() {
        return "127.0.0.1:" + socket.getLocalPort();
    }

    /** {@code name} answers with this IPv4 address from now on. */
    public FakeDns answer(String name, String ipv4) throws IOException {
        hanging.remove(normal(name));
        answers.put(normal(name), InetAddress.getByName(ipv4).getAddress());
        return this;
    }

    /** Queries for {@code name} get no answer from now on. */
    public FakeDns hang(String name) {
        hanging.add(normal(name));
        return this;
    }

    private static String normal(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }

    private void serve() {
        byte[] buffer = new byte[512];
        while (!socket.isClosed()) {
            DatagramPacket query = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(query);
                byte[] reply = reply(ByteBuffer.wrap(query.getData(), 0, query.getLength()));
                if (reply != null) {
                    socket.send(new DatagramPacket(reply, reply.length, query.getSocketAddress()));
                }
            } catch (IOException | RuntimeException e) {
                // closed, or a packet that is not a query: the next one
            }
        }
    }

    /** The reply to one query, or null to stay silent. */
    private byte[] reply(ByteBuffer query) {
        short id = query.getShort(0);
        int position = 12;
        StringBuilder name = new StringBuilder();
        for (int length = query.get(position) & 0xff; length > 0; length = query.get(position) & 0xff) {
            if (name.length() > 0) {
                name.append('.');
            }
            for (int i = 1; i <= length; i++) {
                name.append((char) query.get(position + i));
            }
            position += length + 1;
        }
        int questionEnd = position + 1 + 4; // the root label, QTYPE and QCLASS
        int type = query.getShort(position + 1) & 0xffff;
        String host = normal(name.toString());
        if (hanging.contains(host)) {
            return null;
        }
        byte[] address = answers.get(host);
        boolean answered = address != null && type == 1;
        ByteBuffer reply = ByteBuffer.allocate(questionEnd + (answered ? 16 : 0));
        reply.putShort(id)
                .putShort((short) (address == null ? 0x8183 : 0x8180)) // a response, recursion; NXDOMAIN or not
                .putShort((short) 1).putShort((short) (answered ? 1 : 0)).putShort((short) 0).putShort((short) 0);
        reply.put(query.array(), query.arrayOffset() + 12, questionEnd - 12);
        if (answered) {
            reply.putShort((short) 0xc00c).putShort((short) 1).putShort((short) 1).putInt(5).putShort((short) 4).put(address);
        }
        return reply.array();
    }

    @Override
    public void close() {
        socket.close();
    }
}
