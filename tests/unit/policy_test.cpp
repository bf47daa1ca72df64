// The policy file: parsing, refusals with file:line:column, rule selection, exceptions.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "policy/policy_loader.h"
#include "policy/policy_match.h"

namespace driftguard::policy {
namespace {

using ::testing::HasSubstr;

const char* kExample = R"(apiVersion: driftguard/v1
defaultMode: enforce
rules:
  - name: legacy-audit
    match:
      namespace: legacy-*
    mode: audit
  - name: wordpress
    match:
      image: "docker.io/library/wordpress:*"
      labels:
        tier: front*
    mode: audit
  - name: batch-off
    match:
      container: batch-*
    mode: off
  - name: go-services
    match: {image: "registry.example/go/*"}
    mode: enforce
    denyAnonymousExec: true
  - match:
      imageDigest: sha256:1111111111111111111111111111111111111111111111111111111111111111
    mode: audit
exceptions:
  - name: vendor
    match: {namespace: monitoring}
    paths: ["/opt/vendor/**"]
    sha256: ["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]
  - name: self-update
    paths: ["/usr/local/bin/agent-*"]
)";

runtime::ContainerMetadata container(std::string image, std::string ns = "",
                                     std::map<std::string, std::string> labels = {},
                                     std::string name = "") {
    runtime::ContainerMetadata metadata;
    metadata.image_name = std::move(image);
    metadata.pod_namespace = std::move(ns);
    metadata.labels = std::move(labels);
    metadata.name = std::move(name);
    return metadata;
}

Policy example() {
    auto parsed = parse_policy(kExample, "policy.yaml");
    EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
    return parsed.value();
}

TEST(PolicyParse, ReadsEveryField) {
    const Policy policy = example();
    EXPECT_EQ(policy.default_mode, DG_MODE_ENFORCE);
    ASSERT_EQ(policy.rules.size(), 5U);
    EXPECT_EQ(policy.rules[1].match.labels.at("tier"), "front*");
    EXPECT_EQ(policy.rules[1].line, 8);
    EXPECT_EQ(policy.rules[2].mode, DG_MODE_OFF);
    EXPECT_FALSE(policy.rules[2].deny_anonymous_exec);
    EXPECT_TRUE(policy.rules[3].deny_anonymous_exec);
    ASSERT_EQ(policy.exceptions.size(), 2U);
    EXPECT_EQ(policy.exceptions[0].paths[0], "/opt/vendor/**");
    EXPECT_EQ(policy.digest.size(), 64U);
}

TEST(PolicyParse, EmptyDocumentEnforcesEverywhere) {
    auto parsed = parse_policy("", "empty.yaml");
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed.value().default_mode, DG_MODE_ENFORCE);
    EXPECT_TRUE(parsed.value().rules.empty());
}

struct Refusal {
    const char* text;
    const char* expected;  // the whole "file:line:column: reason" prefix that matters
};

class PolicyRefusal : public ::testing::TestWithParam<Refusal> {};

TEST_P(PolicyRefusal, NamesTheFileLineColumnAndReason) {
    auto parsed = parse_policy(GetParam().text, "p.yaml");
    ASSERT_FALSE(parsed.ok());
    EXPECT_THAT(parsed.error().message, HasSubstr(GetParam().expected));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PolicyRefusal,
    ::testing::Values(
        Refusal{"defaultMode: enforced\n",
                "p.yaml:1:14: defaultMode: 'enforced' is not a mode (expected enforce, audit or "
                "off)"},
        Refusal{"defaultMode: audit\nrule:\n  - mode: off\n",
                "p.yaml:2:1: policy: unknown key 'rule'"},
        Refusal{"rules:\n  - match: {image: x}\n    mode: audit\n    mod: off\n",
                "p.yaml:4:5: rules[0]: unknown key 'mod'"},
        Refusal{"rules:\n  - mode: audit\n", "p.yaml:2:5: rules[0]: a rule needs 'match'"},
        Refusal{"rules:\n  - match: {image: x}\n", "p.yaml:2:5: rules[0]: a rule needs 'mode'"},
        Refusal{"rules: {}\n", "p.yaml:1:8: rules: expected a list"},
        Refusal{"rules:\n  - match: {imageDigest: sha256:abc}\n    mode: off\n",
                "p.yaml:2:26: rules[0].match.imageDigest: expected sha256:"},
        Refusal{"exceptions:\n  - name: x\n", "p.yaml:2:5: exceptions[0]: an exception needs"},
        Refusal{"exceptions:\n  - paths: [relative/tool]\n",
                "p.yaml:2:13: exceptions[0].paths[0]: 'relative/tool' is not an absolute path"},
        Refusal{"exceptions:\n  - sha256: [ABC]\n",
                "p.yaml:2:14: exceptions[0].sha256[0]: expected 64 lowercase hex digits"},
        Refusal{"rules:\n  - match: {labels: [a]}\n    mode: off\n",
                "p.yaml:2:21: rules[0].match.labels: expected a mapping"},
        Refusal{"apiVersion: driftguard/v2\n", "p.yaml:1:13: apiVersion: 'driftguard/v2'"},
        Refusal{"rules: [\n", "p.yaml:2:1: "},
        Refusal{"defaultMode: [audit]\n", "p.yaml:1:14: defaultMode: expected a string"},
        Refusal{"- just\n- a list\n", "p.yaml:1:1: policy: expected a mapping"},
        Refusal{"rules:\n  - match: {}\n    mode: enforce\n    denyAnonymousExec: yes\n",
                "p.yaml:4:24: rules[0].denyAnonymousExec: 'yes' is not true or false"},
        Refusal{"rules:\n  - match: {build: maybe}\n    mode: audit\n",
                "p.yaml:2:20: rules[0].match.build: 'maybe' is not true or false"},
        Refusal{"exceptions:\n  - paths: [/var/lib/x/**]\n    writtenBy: [ld]\n",
                "p.yaml:3:17: exceptions[0].writtenBy[0]: 'ld' is not the absolute path of a "
                "program"},
        Refusal{"exceptions:\n  - paths: [/var/lib/x/**]\n    writtenBy: [/usr/bin/*]\n",
                "p.yaml:3:17: exceptions[0].writtenBy[0]: '/usr/bin/*' is not the absolute path"},
        Refusal{"exceptions:\n  - paths: [/var/lib/x/*.so]\n    writtenBy: [/usr/bin/ld]\n",
                "p.yaml:2:13: exceptions[0].paths[0]: '/var/lib/x/*.so': with writtenBy, paths "
                "are directories written as /dir/**"},
        Refusal{"exceptions:\n  - sha256: "
                "[aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]"
                "\n    writtenBy: [/usr/bin/ld]\n",
                "p.yaml:2:13: exceptions[0]: writtenBy names who may write the files; it does "
                "not go with sha256"},
        Refusal{"exceptions:\n  - paths: [/x/**]\n    writtenBy: []\n",
                "p.yaml:3:16: exceptions[0].writtenBy: expected at least one program"}));

TEST(PolicyLoad, MissingFileAndDirectoryAreRefused) {
    auto missing = load_policy_file("/nonexistent/policy.yaml");
    ASSERT_FALSE(missing.ok());
    EXPECT_THAT(missing.error().message, HasSubstr("/nonexistent/policy.yaml: cannot read"));
    auto directory = load_policy_file("/");
    ASSERT_FALSE(directory.ok());
    EXPECT_THAT(directory.error().message, HasSubstr("not a regular file"));
}

TEST(PolicySelection, FirstMatchingRuleWinsElseDefault) {
    const Policy policy = example();
    EXPECT_EQ(decide_mode(policy, container("docker.io/library/nginx:1", "legacy-shop")).mode,
              DG_MODE_AUDIT);
    const auto wordpress = decide_mode(
        policy, container("docker.io/library/wordpress:6.6", "blog", {{"tier", "frontend"}}));
    EXPECT_EQ(wordpress.mode, DG_MODE_AUDIT);
    EXPECT_EQ(wordpress.reason, "rule 'wordpress' (line 8)");
    // Label missing: the wordpress rule does not select it.
    EXPECT_EQ(decide_mode(policy, container("docker.io/library/wordpress:6.6", "blog")).mode,
              DG_MODE_ENFORCE);
    EXPECT_EQ(decide_mode(policy, container("x", "", {}, "batch-7")).mode, DG_MODE_OFF);
    const auto go = decide_mode(policy, container("registry.example/go/api:2"));
    EXPECT_EQ(go.sensor_flags(), static_cast<std::uint32_t>(DG_POLICY_DENY_ANON_EXEC));
    EXPECT_EQ(decide_mode(policy, container("x")).sensor_flags(), 0U);
    auto by_pod_container = container("x");
    by_pod_container.pod_container = "batch-nightly";
    EXPECT_EQ(decide_mode(policy, by_pod_container).mode, DG_MODE_OFF);
    auto by_digest = container("anything");
    by_digest.image_digest = "sha256:" + std::string(64, '1');
    EXPECT_EQ(decide_mode(policy, by_digest).mode, DG_MODE_AUDIT);
    const auto fallback = decide_mode(policy, container("docker.io/library/redis:7"));
    EXPECT_EQ(fallback.mode, DG_MODE_ENFORCE);
    EXPECT_EQ(fallback.reason, "defaultMode");
}

TEST(PolicySelection, BuildsOnlyByRulesThatSayBuildAndOffByDefault) {
    auto parsed = parse_policy(
        "defaultMode: enforce\n"
        "rules:\n"
        "  - name: everything\n    match: {image: '*'}\n    mode: enforce\n",
        "p.yaml");
    ASSERT_TRUE(parsed.ok());
    auto build = container("localhost/debian:12");
    build.builder = "buildah";
    // A rule for every image is a rule for workloads; builds are off unless selected.
    const auto unselected = decide_mode(parsed.value(), build);
    EXPECT_EQ(unselected.mode, DG_MODE_OFF);
    EXPECT_EQ(unselected.reason, "image build (no rule has build: true)");
    EXPECT_EQ(decide_mode(parsed.value(), container("localhost/debian:12")).mode, DG_MODE_ENFORCE);

    auto with_builds = parse_policy(
        "rules:\n"
        "  - name: builds\n    match: {build: true}\n    mode: audit\n"
        "  - name: rest\n    match: {}\n    mode: off\n",
        "p.yaml");
    ASSERT_TRUE(with_builds.ok());
    EXPECT_EQ(decide_mode(with_builds.value(), build).mode, DG_MODE_AUDIT);
    // A workload is never selected by a build rule, whatever it is named or labelled.
    auto lookalike = container("localhost/debian:12", "", {{"io.buildah.version", "1.28.2"}},
                               "debian-working-container");
    EXPECT_EQ(decide_mode(with_builds.value(), lookalike).mode, DG_MODE_OFF);
    EXPECT_EQ(decide_mode(with_builds.value(), lookalike).reason, "rule 'rest' (line 5)");
}

TEST(PolicyParse, WrittenByException) {
    auto parsed = parse_policy(
        "exceptions:\n"
        "  - name: vcl\n    match: {image: '*varnish*'}\n"
        "    paths: [/var/lib/varnish/**]\n    writtenBy: [/usr/bin/ld, /usr/sbin/varnishd]\n",
        "p.yaml");
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    const Exception& vcl = parsed.value().exceptions.at(0);
    EXPECT_EQ(vcl.written_by, (std::vector<std::string>{"/usr/bin/ld", "/usr/sbin/varnishd"}));
    EXPECT_EQ(vcl.paths, std::vector<std::string>{"/var/lib/varnish/**"});
}

TEST(PolicyExceptions, SelectedByWorkloadAndMatchedByPathAndDigest) {
    const Policy policy = example();
    EXPECT_EQ(exceptions_for(policy, container("x", "monitoring")).size(), 2U);
    const auto elsewhere = exceptions_for(policy, container("x", "blog"));
    ASSERT_EQ(elsewhere.size(), 1U);
    EXPECT_EQ(elsewhere[0].name, "self-update");

    const Exception& vendor = policy.exceptions[0];
    EXPECT_TRUE(path_matches(vendor, "/opt/vendor/bin/tool"));
    EXPECT_TRUE(path_matches(vendor, "/opt/vendor/tool"));
    EXPECT_FALSE(path_matches(vendor, "/opt/vendor"));
    EXPECT_FALSE(path_matches(vendor, "/opt/vendorx/tool"));
    EXPECT_TRUE(digest_matches(vendor, std::string(64, 'a')));
    EXPECT_FALSE(digest_matches(vendor, std::string(64, 'b')));

    const Exception& self_update = policy.exceptions[1];
    EXPECT_TRUE(path_matches(self_update, "/usr/local/bin/agent-2"));
    EXPECT_FALSE(path_matches(self_update, "/usr/local/bin/agent-2/../../sh"));
    EXPECT_FALSE(path_matches(self_update, "/usr/local/bin/sub/agent-2"));
    EXPECT_TRUE(digest_matches(self_update, std::string(64, 'b')));
}

}  // namespace
}  // namespace driftguard::policy
