package dev.payments.kubernetes;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.core.type.TypeReference;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.RollingUpdateDeployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The manifests `./mvnw package` generates (quarkus-kubernetes, with src/main/kubernetes merged in)
 * parse as the Kubernetes objects they claim to be, and say what docs/kubernetes.md says: probes on
 * the management port, memory as measured, the disruption budget over the Deployment's pods, settings
 * from the ConfigMap and passwords from Secrets, an unprivileged pod on a read-only filesystem, and a
 * NetworkPolicy that admits the API from the ingress and the management port from monitoring only. Runs after package, so on the files CI produced.
 */
class KubernetesManifestsIT {

    private static final Path DIR = Path.of("target", "kubernetes");
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    @Test
    void everyDocumentOfTheYamlIsATypedKubernetesObject() throws IOException {
        List<HasMetadata> objects = yaml();
        assertEquals(List.of("ConfigMap", "Deployment", "NetworkPolicy", "PodDisruptionBudget", "Service"),
                objects.stream().map(HasMetadata::getKind).sorted().toList());
        for (HasMetadata object : objects) {
            assertFalse(object instanceof GenericKubernetesResource, object.getKind() + " is not a known type: " + object);
            assertEquals("payment-service" + (object instanceof ConfigMap ? "-config" : ""), object.getMetadata().getName());
        }
        List<HasMetadata> json;
        try (InputStream in = Files.newInputStream(DIR.resolve("kubernetes.json"))) {
            json = SERIALIZATION.unmarshal(in, new TypeReference<List<HasMetadata>>() {});
        }
        assertEquals(objects.stream().map(HasMetadata::getKind).sorted().toList(),
                json.stream().map(HasMetadata::getKind).sorted().toList(), "the JSON holds the same objects");
    }

    @Test
    void theDeploymentProbesTheManagementPortAndSizesMemoryAsMeasured() throws IOException {
        Deployment deployment = one(Deployment.class);
        assertEquals(3, deployment.getSpec().getReplicas());
        assertEquals("RollingUpdate", deployment.getSpec().getStrategy().getType());
        RollingUpdateDeployment rollout = deployment.getSpec().getStrategy().getRollingUpdate();
        assertEquals(0, surgeOrUnavailable(rollout.getMaxUnavailable(), 3), "never below three pods in a rollout");
        assertEquals(1, surgeOrUnavailable(rollout.getMaxSurge(), 3), "one pod added at a time");
        Container container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals("payment-service:jvm", container.getImage());
        assertEquals(List.of(8080, 9000), container.getPorts().stream().map(ContainerPort::getContainerPort).sorted().toList());

        assertProbe(container, container.getLivenessProbe(), "/q/health/live");
        assertProbe(container, container.getReadinessProbe(), "/q/health/ready");
        assertProbe(container, container.getStartupProbe(), "/q/health/started");
        assertTrue(deployment.getSpec().getTemplate().getSpec().getInitContainers().isEmpty(),
                "each pod migrates at start-up: no init container waiting on a Job");

        Map<String, Quantity> requests = container.getResources().getRequests();
        Map<String, Quantity> limits = container.getResources().getLimits();
        assertEquals(new Quantity("512Mi"), requests.get("memory"));
        assertEquals(requests.get("memory"), limits.get("memory"), "memory request = limit: never evicted first");
        assertEquals(new Quantity("500m"), requests.get("cpu"));
        assertNull(limits.get("cpu"), "no CPU limit: throttling is latency");
        assertEquals("-XX:MaxRAMPercentage=75.0 -XX:+ExitOnOutOfMemoryError", env(container, "JAVA_OPTS").getValue());
    }

    @Test
    void settingsComeFromTheConfigMapAndPasswordsFromSecrets() throws IOException {
        Container container = one(Deployment.class).getSpec().getTemplate().getSpec().getContainers().get(0);
        assertTrue(container.getEnvFrom().stream().anyMatch(from -> from.getConfigMapRef() != null
                && "payment-service-config".equals(from.getConfigMapRef().getName())), container.getEnvFrom().toString());
        assertSecret(container, "QUARKUS_DATASOURCE_USERNAME", "payments-db-app", "username");
        assertSecret(container, "QUARKUS_DATASOURCE_PASSWORD", "payments-db-app", "password");
        assertSecret(container, "QUARKUS_FLYWAY_USERNAME", "payments-db-owner", "username");
        assertSecret(container, "QUARKUS_FLYWAY_PASSWORD", "payments-db-owner", "password");
        assertSecret(container, "PAYMENTS_PROCESSOR_API_KEY", "payment-service-processor", "api-key");
        assertSecret(container, "PAYMENTS_WEBHOOKS_ENCRYPTION_KEY", "payment-service-webhooks", "encryption-key");
        ConfigMap config = one(ConfigMap.class);
        assertEquals("jdbc:postgresql://payments-db-rw:5432/payments", config.getData().get("QUARKUS_DATASOURCE_JDBC_URL"));
        assertEquals("false", config.getData().get("PAYMENTS_DEMO_MERCHANTS"));
        for (String value : config.getData().values()) {
            assertFalse(value.toLowerCase().contains("password"), "no secret in the ConfigMap: " + value);
        }
    }

    @Test
    void theDisruptionBudgetCoversTheDeploymentsPodsAndTheServiceOnlyTheApi() throws IOException {
        Deployment deployment = one(Deployment.class);
        Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
        PodDisruptionBudget budget = one(PodDisruptionBudget.class);
        assertEquals(new IntOrString(2), budget.getSpec().getMinAvailable());
        assertFalse(budget.getSpec().getSelector().getMatchLabels().isEmpty());
        budget.getSpec().getSelector().getMatchLabels().forEach((label, value) ->
                assertEquals(value, podLabels.get(label), "the budget selects the Deployment's pods by " + label));

        Service service = one(Service.class);
        assertEquals(List.of(8080), service.getSpec().getPorts().stream()
                .map(port -> targetPort(deployment, port.getTargetPort())).toList(), "health and metrics stay off the Service");
    }

    @Test
    void thePodRunsUnprivilegedOnAReadOnlyFilesystem() throws IOException {
        PodSpec pod = one(Deployment.class).getSpec().getTemplate().getSpec();
        PodSecurityContext podSecurity = pod.getSecurityContext();
        assertNotNull(podSecurity, "a pod securityContext");
        assertEquals(Boolean.TRUE, podSecurity.getRunAsNonRoot());
        assertEquals(185L, podSecurity.getRunAsUser(), "the image's user (docker/Dockerfile.jvm)");
        assertEquals("RuntimeDefault", podSecurity.getSeccompProfile().getType());
        Container container = pod.getContainers().get(0);
        SecurityContext security = container.getSecurityContext();
        assertNotNull(security, "a container securityContext");
        assertEquals(Boolean.TRUE, security.getReadOnlyRootFilesystem());
        assertEquals(Boolean.FALSE, security.getAllowPrivilegeEscalation());
        assertEquals(List.of("ALL"), security.getCapabilities().getDrop());
        assertTrue(security.getCapabilities().getAdd() == null || security.getCapabilities().getAdd().isEmpty());
        // the one writable place: /tmp, on an emptyDir
        VolumeMount tmp = container.getVolumeMounts().stream().filter(m -> m.getMountPath().equals("/tmp")).findFirst()
                .orElseThrow(() -> new AssertionError("/tmp is mounted: " + container.getVolumeMounts()));
        assertTrue(pod.getVolumes().stream().anyMatch(v -> v.getName().equals(tmp.getName()) && v.getEmptyDir() != null),
                "/tmp is an emptyDir");
        assertEquals(1, pod.getContainers().size(), "the merge added no second container");
        assertNotNull(container.getReadinessProbe(), "the merge kept what the generator wrote");
    }

    @Test
    void theNetworkPolicyAdmitsTheApiFromTheIngressAndManagementFromMonitoringOnly() throws IOException {
        Deployment deployment = one(Deployment.class);
        NetworkPolicy policy = one(NetworkPolicy.class);
        Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
        policy.getSpec().getPodSelector().getMatchLabels().forEach((label, value) ->
                assertEquals(value, podLabels.get(label), "the policy selects the Deployment's pods by " + label));
        assertFalse(policy.getSpec().getPodSelector().getMatchLabels().isEmpty(), "not every pod of the namespace");
        assertEquals(List.of("Ingress"), policy.getSpec().getPolicyTypes());
        Map<Integer, String> fromNamespace = new java.util.HashMap<>();
        for (NetworkPolicyIngressRule rule : policy.getSpec().getIngress()) {
            assertEquals(1, rule.getFrom().size(), "one source per rule: " + rule);
            NetworkPolicyPeer peer = rule.getFrom().get(0);
            assertNull(peer.getIpBlock(), "no address ranges");
            assertNull(peer.getPodSelector(), "whole namespaces, named");
            String namespace = peer.getNamespaceSelector().getMatchLabels().get("kubernetes.io/metadata.name");
            assertNotNull(namespace, "a namespace by its name label: " + peer);
            for (NetworkPolicyPort port : rule.getPorts()) {
                assertEquals("TCP", port.getProtocol());
                assertNull(fromNamespace.put(port.getPort().getIntVal(), namespace), "one rule per port");
            }
        }
        assertEquals(Map.of(8080, "ingress-nginx", 9000, "monitoring"), fromNamespace);
    }

    /**
     * What Kubernetes makes of maxSurge or maxUnavailable for this many replicas: a number, or a
     * string that must be a percentage (a string such as "0" is refused by the API server).
     */
    private static int surgeOrUnavailable(IntOrString value, int replicas) {
        if (value.getIntVal() != null) {
            return value.getIntVal();
        }
        String text = value.getStrVal();
        assertTrue(text.matches("\\d+%"), "a string here must be a percentage: " + text);
        double pods = replicas * Integer.parseInt(text.substring(0, text.length() - 1)) / 100.0;
        return (int) Math.ceil(pods); // maxSurge rounds up; maxUnavailable down, equal for 0 %
    }

    private static void assertProbe(Container container, Probe probe, String path) {
        assertNotNull(probe, path);
        assertEquals(path, probe.getHttpGet().getPath());
        int port = probe.getHttpGet().getPort().getIntVal() != null
                ? probe.getHttpGet().getPort().getIntVal()
                : container.getPorts().stream().filter(p -> p.getName().equals(probe.getHttpGet().getPort().getStrVal()))
                        .findFirst().orElseThrow().getContainerPort();
        assertEquals(9000, port, path + " on the management port");
    }

    private static void assertSecret(Container container, String name, String secret, String key) {
        EnvVar variable = env(container, name);
        assertNotNull(variable.getValueFrom(), name + " from a Secret");
        assertEquals(secret, variable.getValueFrom().getSecretKeyRef().getName(), name);
        assertEquals(key, variable.getValueFrom().getSecretKeyRef().getKey(), name);
    }

    private static EnvVar env(Container container, String name) {
        return container.getEnv().stream().filter(e -> e.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(name + " not set: " + container.getEnv()));
    }

    private static int targetPort(Deployment deployment, IntOrString target) {
        if (target.getIntVal() != null) {
            return target.getIntVal();
        }
        return deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getPorts().stream()
                .filter(p -> target.getStrVal().equals(p.getName())).findFirst().orElseThrow().getContainerPort();
    }

    private static <T extends HasMetadata> T one(Class<T> type) throws IOException {
        List<T> found = yaml().stream().filter(type::isInstance).map(type::cast).toList();
        assertEquals(1, found.size(), type.getSimpleName());
        return found.get(0);
    }

    /** Each document of kubernetes.yml, read as the object its kind names. */
    private static List<HasMetadata> yaml() throws IOException {
        Path file = DIR.resolve("kubernetes.yml");
        assertTrue(Files.exists(file), file + " is generated by ./mvnw package");
        List<HasMetadata> objects = new ArrayList<>();
        for (String document : Files.readString(file).split("(?m)^---\\s*$")) {
            if (!document.isBlank()) {
                objects.add(SERIALIZATION.unmarshal(document, HasMetadata.class));
            }
        }
        return objects;
    }
}
