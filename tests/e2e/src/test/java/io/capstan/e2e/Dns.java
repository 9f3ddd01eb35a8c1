package io.capstan.e2e;

import javax.naming.NameNotFoundException;
import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.directory.Attributes;
import javax.naming.directory.DirContext;
import javax.naming.directory.InitialDirContext;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;

/** DNS queries to one server and port, through the JDK's own DNS client (JNDI), not Capstan's code. */
final class Dns {
    private final String server;
    private final int port;

    Dns(String server, int port) {
        this.server = server;
        this.port = port;
    }

    /** The records of {@code type} for {@code name}; empty for NXDOMAIN or no records. */
    List<String> lookup(String name, String type) {
        Hashtable<String, String> env = new Hashtable<>();
        env.put("java.naming.factory.initial", "com.sun.jndi.dns.DnsContextFactory");
        env.put("java.naming.provider.url", "dns://" + server + ":" + port);
        env.put("com.sun.jndi.dns.timeout.initial", "1000");
        env.put("com.sun.jndi.dns.timeout.retries", "2");
        try {
            DirContext ctx = new InitialDirContext(env);
            try {
                Attributes attributes = ctx.getAttributes(name + ".", new String[] {type});
                Attribute attribute = attributes.get(type);
                List<String> values = new ArrayList<>();
                if (attribute != null) {
                    NamingEnumeration<?> all = attribute.getAll();
                    while (all.hasMore()) {
                        values.add(all.next().toString());
                    }
                }
                return values;
            } finally {
                ctx.close();
            }
        } catch (NameNotFoundException nxdomain) {
            return List.of();
        } catch (NamingException e) {
            throw new IllegalStateException("DNS " + type + " " + name + " @" + server + ":" + port + ": " + e, e);
        }
    }
}
