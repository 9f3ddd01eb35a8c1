package io.capstan.validation;

import io.capstan.api.status.FieldError;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.capstan.validation.Trees.arr;
import static io.capstan.validation.Trees.has;
import static io.capstan.validation.Trees.obj;
import static io.capstan.validation.Trees.objects;
import static io.capstan.validation.Trees.str;

/** ValidateService and ValidateEndpointSlice, with the node-port range check of the port allocator. */
final class ServiceValidation {
    private ServiceValidation() {
    }

    private static final List<String> SERVICE_TYPES = List.of("ClusterIP", "ExternalName", "LoadBalancer", "NodePort");
    private static final List<String> SESSION_AFFINITIES = List.of("ClientIP", "None");
    private static final List<String> TRAFFIC_POLICIES = List.of("Cluster", "Local");
    private static final List<String> IP_FAMILY_POLICIES = List.of("PreferDualStack", "RequireDualStack", "SingleStack");
    private static final List<String> IP_FAMILIES = List.of("IPv4", "IPv6");
    private static final List<String> ADDRESS_TYPES = List.of("FQDN", "IPv4", "IPv6");
    /** kube-apiserver's default --service-node-port-range. */
    static final int NODE_PORT_MIN = 30000;
    static final int NODE_PORT_MAX = 32767;

    static void service(List<FieldError> errs, ObjectNode spec) {
        if (spec == null) {
            errs.add(FieldError.required("spec", ""));
            return;
        }
        String type = str(spec, "type");
        String clusterIp = str(spec, "clusterIP");
        boolean headless = clusterIp.equals("None");
        List<ObjectNode> ports = objects(spec, "ports");
        if (ports.isEmpty() && !headless && !type.equals("ExternalName")) {
            errs.add(FieldError.required("spec.ports", ""));
        }
        switch (type) {
            case "LoadBalancer", "NodePort" -> {
                if (headless) {
                    errs.add(FieldError.invalid("spec.clusterIPs[0]", "None", "may not be set to 'None' for " + type + " services"));
                }
                if (type.equals("LoadBalancer")) {
                    for (int i = 0; i < ports.size(); i++) {
                        if (Long.valueOf(10250).equals(Trees.num(ports.get(i), "port"))) {
                            errs.add(FieldError.invalid("spec.ports[" + i + "]", 10250,
                                    "may not expose port 10250 externally since it is used by kubelet"));
                        }
                    }
                }
            }
            case "ExternalName" -> {
                if (!clusterIp.isEmpty() || (arr(spec, "clusterIPs") != null && !arr(spec, "clusterIPs").isEmpty())) {
                    errs.add(FieldError.forbidden("spec.clusterIPs", "may not be set for ExternalName services"));
                }
                String cname = str(spec, "externalName");
                cname = cname.endsWith(".") ? cname.substring(0, cname.length() - 1) : cname;
                if (cname.isEmpty()) {
                    errs.add(FieldError.required("spec.externalName", ""));
                } else {
                    Checks.each(errs, "spec.externalName", cname, Names.dns1123Subdomain(cname));
                }
            }
            default -> { }
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < ports.size(); i++) {
            servicePort(errs, ports.get(i), "spec.ports[" + i + "]", ports.size() > 1, names);
        }
        Checks.labels(errs, obj(spec, "selector"), "spec.selector");
        Checks.oneOf(errs, spec, "sessionAffinity", "spec.sessionAffinity", SESSION_AFFINITIES);
        if (str(spec, "sessionAffinity").equals("ClientIP")) {
            Long timeout = Trees.num(obj(obj(spec, "sessionAffinityConfig"), "clientIP"), "timeoutSeconds");
            if (timeout == null || timeout <= 0 || timeout > 86400) {
                errs.add(FieldError.invalid("spec.sessionAffinityConfig.clientIP.timeoutSeconds", timeout,
                        "must be greater than 0 and less than 86400"));
            }
        } else if (str(spec, "sessionAffinity").equals("None") && has(spec, "sessionAffinityConfig")) {
            errs.add(FieldError.forbidden("spec.sessionAffinityConfig", "must not be set when session affinity is None"));
        }
        clusterIps(errs, spec, clusterIp);
        List<JsonNode> externalIps = new java.util.ArrayList<>();
        if (arr(spec, "externalIPs") != null) {
            arr(spec, "externalIPs").forEach(externalIps::add);
        }
        for (int i = 0; i < externalIps.size(); i++) {
            if (!Names.isIp(externalIps.get(i).asText())) {
                errs.add(FieldError.invalid("spec.externalIPs[" + i + "]", externalIps.get(i).asText(), "must be a valid IP address"));
            }
        }
        Checks.oneOf(errs, spec, "type", "spec.type", SERVICE_TYPES);
        Set<String> nodePorts = new HashSet<>();
        Set<String> portKeys = new HashSet<>();
        for (int i = 0; i < ports.size(); i++) {
            ObjectNode port = ports.get(i);
            String p = "spec.ports[" + i + "]";
            Long nodePort = Trees.num(port, "nodePort");
            if (nodePort != null && nodePort != 0) {
                if (type.equals("ClusterIP")) {
                    errs.add(FieldError.forbidden(p + ".nodePort", "may not be used when `type` is 'ClusterIP'"));
                } else if (type.equals("NodePort") || type.equals("LoadBalancer")) {
                    if (nodePort < NODE_PORT_MIN || nodePort > NODE_PORT_MAX) {
                        errs.add(FieldError.invalid(p + ".nodePort", nodePort, "provided port is not in the valid range. "
                                + "The range of valid ports is " + NODE_PORT_MIN + "-" + NODE_PORT_MAX));
                    }
                    if (!nodePorts.add(str(port, "protocol") + "/" + nodePort)) {
                        errs.add(FieldError.duplicate(p + ".nodePort", nodePort));
                    }
                }
            }
            String key = "{Protocol:" + str(port, "protocol") + ", Port:" + str(port, "port") + "}";
            if (!portKeys.add(key)) {
                errs.add(FieldError.duplicate(p, key));
            }
        }
        boolean external = type.equals("NodePort") || type.equals("LoadBalancer");
        if (has(spec, "externalTrafficPolicy")) {
            if (!external) {
                errs.add(FieldError.invalid("spec.externalTrafficPolicy", str(spec, "externalTrafficPolicy"),
                        "may only be set for externally-accessible services"));
            } else {
                Checks.optionalOneOf(errs, spec, "externalTrafficPolicy", "spec.externalTrafficPolicy", TRAFFIC_POLICIES);
            }
        } else if (external) {
            errs.add(FieldError.required("spec.externalTrafficPolicy", ""));
        }
        if (!type.equals("ExternalName")) {
            Checks.oneOf(errs, spec, "internalTrafficPolicy", "spec.internalTrafficPolicy", TRAFFIC_POLICIES);
        }
    }

    private static void servicePort(List<FieldError> errs, ObjectNode port, String path, boolean requireName, Set<String> names) {
        String name = str(port, "name");
        if (requireName && name.isEmpty()) {
            errs.add(FieldError.required(path + ".name", ""));
        } else if (!name.isEmpty()) {
            Checks.each(errs, path + ".name", name, Names.dns1123Label(name));
            if (!names.add(name)) {
                errs.add(FieldError.duplicate(path + ".name", name));
            }
        }
        long number = Trees.num(port, "port") == null ? 0 : Trees.num(port, "port");
        Checks.each(errs, path + ".port", number, Names.portNum(number));
        Checks.oneOf(errs, port, "protocol", path + ".protocol", Checks.PROTOCOLS);
        Checks.portNumOrName(errs, port.get("targetPort"), path + ".targetPort");
    }

    private static void clusterIps(List<FieldError> errs, ObjectNode spec, String clusterIp) {
        if (!clusterIp.isEmpty() && !clusterIp.equals("None") && !Names.isIp(clusterIp)) {
            errs.add(FieldError.invalid("spec.clusterIP", clusterIp, "must be a valid IP address"));
        }
        List<JsonNode> ips = new java.util.ArrayList<>();
        if (arr(spec, "clusterIPs") != null) {
            arr(spec, "clusterIPs").forEach(ips::add);
        }
        for (int i = 0; i < ips.size(); i++) {
            String ip = ips.get(i).asText();
            if (ip.equals("None")) {
                if (i > 0 || ips.size() > 1) {
                    errs.add(FieldError.invalid("spec.clusterIPs[" + i + "]", ip, "'None' must be the first and only value"));
                }
            } else if (!Names.isIp(ip)) {
                errs.add(FieldError.invalid("spec.clusterIPs[" + i + "]", ip, "must be a valid IP address"));
            }
        }
        if (!ips.isEmpty() && !clusterIp.isEmpty() && !clusterIp.equals(ips.get(0).asText())) {
            errs.add(FieldError.invalid("spec.clusterIPs", spec.get("clusterIPs"), "element [0] must match clusterIP"));
        }
        if (has(spec, "ipFamilyPolicy")) {
            Checks.optionalOneOf(errs, spec, "ipFamilyPolicy", "spec.ipFamilyPolicy", IP_FAMILY_POLICIES);
        }
        List<JsonNode> families = new java.util.ArrayList<>();
        if (arr(spec, "ipFamilies") != null) {
            arr(spec, "ipFamilies").forEach(families::add);
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < families.size(); i++) {
            String family = families.get(i).asText();
            if (!IP_FAMILIES.contains(family)) {
                errs.add(FieldError.notSupported("spec.ipFamilies[" + i + "]", family, IP_FAMILIES));
            } else if (!seen.add(family)) {
                errs.add(FieldError.duplicate("spec.ipFamilies[" + i + "]", family));
            }
        }
    }

    /**
     * A set cluster IP never changes, except when the Service becomes or stops being an
     * ExternalName one. The server must carry the stored IP over when an update leaves it out, as
     * kube-apiserver's {@code patchAllocatedValues} does, before it validates.
     */
    static void serviceUpdate(List<FieldError> errs, ObjectNode spec, ObjectNode oldSpec) {
        String oldIp = str(oldSpec, "clusterIP");
        if (oldIp.isEmpty() || str(spec, "type").equals("ExternalName") || str(oldSpec, "type").equals("ExternalName")) {
            return;
        }
        String newIp = str(spec, "clusterIP");
        if (!newIp.equals(oldIp)) {
            errs.add(FieldError.invalid("spec.clusterIPs[0]", newIp, "may not change once set"));
        }
    }

    static void endpointSlice(List<FieldError> errs, ObjectNode slice) {
        String addressType = str(slice, "addressType");
        if (addressType.isEmpty()) {
            errs.add(FieldError.required("addressType", ""));
        } else if (!ADDRESS_TYPES.contains(addressType)) {
            errs.add(FieldError.notSupported("addressType", addressType, ADDRESS_TYPES));
        }
        List<ObjectNode> endpoints = objects(slice, "endpoints");
        for (int i = 0; i < endpoints.size(); i++) {
            String p = "endpoints[" + i + "].addresses";
            List<JsonNode> addresses = new java.util.ArrayList<>();
            if (arr(endpoints.get(i), "addresses") != null) {
                arr(endpoints.get(i), "addresses").forEach(addresses::add);
            }
            if (addresses.isEmpty()) {
                errs.add(FieldError.required(p, "must contain at least 1 address"));
            } else if (addresses.size() > 100) {
                errs.add(new FieldError(FieldError.Type.TOO_MANY, p, null, "must have at most 100 items"));
            }
            for (int j = 0; j < addresses.size(); j++) {
                String address = addresses.get(j).asText();
                String ap = p + "[" + j + "]";
                switch (addressType) {
                    case "IPv4" -> {
                        if (!Names.isIpv4(address)) {
                            errs.add(FieldError.invalid(ap, address, "must be a valid IPv4 address"));
                        }
                    }
                    case "IPv6" -> {
                        if (!Names.isIpv6(address)) {
                            errs.add(FieldError.invalid(ap, address, "must be a valid IPv6 address"));
                        }
                    }
                    case "FQDN" -> Checks.each(errs, ap, address, Names.dns1123Subdomain(address));
                    default -> { }
                }
            }
        }
        List<ObjectNode> ports = objects(slice, "ports");
        Set<String> names = new HashSet<>();
        for (int i = 0; i < ports.size(); i++) {
            ObjectNode port = ports.get(i);
            String p = "ports[" + i + "]";
            String name = str(port, "name");
            if (!name.isEmpty()) {
                Checks.each(errs, p + ".name", name, Names.dns1123Label(name));
            }
            if (!names.add(name)) {
                errs.add(FieldError.duplicate(p + ".name", name));
            }
            Checks.optionalOneOf(errs, port, "protocol", p + ".protocol", Checks.PROTOCOLS);
            Long number = Trees.num(port, "port");
            if (number != null) {
                Checks.each(errs, p + ".port", number, Names.portNum(number));
            }
        }
    }
}
