package io.capstan.store;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The key scheme and its inverse. */
class StorageKeysTest {
    @Test
    void anObjectsKeyGivesBackItsNamespaceAndName() {
        String pod = StorageKeys.object("", "pods", "default", "web-0");
        assertEquals("/registry/pods/default/web-0", pod);
        assertEquals(new StorageKeys.ObjectName("default", "web-0"), StorageKeys.objectName("", "pods", pod));

        String node = StorageKeys.object("", "nodes", null, "node-1");
        assertEquals(new StorageKeys.ObjectName(null, "node-1"), StorageKeys.objectName("", "nodes", node));

        String deployment = StorageKeys.object("apps", "deployments", "kube-system", "coredns");
        assertEquals("/registry/apps/deployments/kube-system/coredns", deployment);
        assertEquals(new StorageKeys.ObjectName("kube-system", "coredns"), StorageKeys.objectName("apps", "deployments", deployment));
    }
}
