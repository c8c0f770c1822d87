#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "aws/sources/profile_chain.hpp"

using namespace pullcred;
using aws::sources::BaseKind;
using testing::HasSubstr;

namespace {

aws::Result<aws::sources::ChainPlan> plan(const std::string &config, const std::string &credentials,
                                          const std::string &name) {
    auto files = aws::SharedConfig::parse(config, credentials, {"/cfg/config", "/cfg/credentials"});
    if (!files) return files.error();
    return aws::sources::plan_profile(*files, name);
}

std::vector<std::string> roles(const aws::sources::ChainPlan &plan) {
    std::vector<std::string> out;
    for (const auto &hop : plan.hops) out.push_back(hop.role_arn);
    return out;
}

} // namespace

TEST(ProfileChain, StaticKeys) {
    auto p = plan("", "[a]\naws_access_key_id = AK\naws_secret_access_key = SK\n", "a");
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(p->base, BaseKind::static_keys);
    EXPECT_TRUE(p->hops.empty());
}

TEST(ProfileChain, RoleWinsOverStaticKeysOfTheSameProfile) {
    auto p = plan("[profile a]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = b\n"
                  "aws_access_key_id = AK\naws_secret_access_key = SK\n[profile b]\n",
                  "[b]\naws_access_key_id = BK\naws_secret_access_key = BS\n", "a");
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(p->base, BaseKind::static_keys);
    EXPECT_EQ(p->base_profile.name(), "b");
    EXPECT_EQ(roles(*p), std::vector<std::string>{"arn:aws:iam::1:role/r"});
    EXPECT_EQ(p->chain, (std::vector<std::string>{"a", "b"}));
}

TEST(ProfileChain, ChainsOfAnyLengthInnermostFirst) {
    auto p = plan("[profile a]\nrole_arn = arn:aws:iam::1:role/A\nsource_profile = b\nexternal_id = ext\n"
                  "duration_seconds = 900\nrole_session_name = sess\n"
                  "[profile b]\nrole_arn = arn:aws:iam::1:role/B\nsource_profile = c\n"
                  "[profile c]\nrole_arn = arn:aws:iam::1:role/C\nsource_profile = d\n"
                  "[profile d]\naws_access_key_id = DK\naws_secret_access_key = DS\n",
                  "", "a");
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(roles(*p), (std::vector<std::string>{"arn:aws:iam::1:role/C", "arn:aws:iam::1:role/B",
                                                   "arn:aws:iam::1:role/A"}));
    EXPECT_EQ(p->base_profile.name(), "d");
    EXPECT_EQ(p->hops.back().external_id, "ext");
    EXPECT_EQ(p->hops.back().duration_seconds, 900);
    EXPECT_EQ(p->hops.back().role_session_name, "sess");
    EXPECT_FALSE(p->hops.front().external_id.has_value());
}

TEST(ProfileChain, StaticKeysOfASourceProfileEndTheChainEvenWithARole) {
    auto p = plan("[profile a]\nrole_arn = arn:aws:iam::1:role/A\nsource_profile = b\n"
                  "[profile b]\nrole_arn = arn:aws:iam::1:role/B\nsource_profile = c\n[profile c]\n",
                  "[b]\naws_access_key_id = BK\naws_secret_access_key = BS\n", "a");
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(roles(*p), std::vector<std::string>{"arn:aws:iam::1:role/A"});
    EXPECT_EQ(p->base_profile.name(), "b");
}

TEST(ProfileChain, LoopsAreReportedWithTheChain) {
    auto p = plan("[profile a]\nrole_arn = arn:aws:iam::1:role/A\nsource_profile = b\n"
                  "[profile b]\nrole_arn = arn:aws:iam::1:role/B\nsource_profile = c\n"
                  "[profile c]\nrole_arn = arn:aws:iam::1:role/C\nsource_profile = a\n",
                  "", "a");
    ASSERT_FALSE(p);
    EXPECT_THAT(p.error().message, HasSubstr("a -> b -> c -> a"));
    EXPECT_THAT(p.error().message, HasSubstr("/cfg/config"));

    auto self = plan("[profile a]\nrole_arn = arn:aws:iam::1:role/A\nsource_profile = a\n", "", "a");
    ASSERT_FALSE(self);
    EXPECT_THAT(self.error().message, HasSubstr("a -> a"));
}

TEST(ProfileChain, AProfileMaySourceItsOwnStaticKeys) {
    auto p = plan("[profile a]\nrole_arn = arn:aws:iam::1:role/A\nsource_profile = a\n",
                  "[a]\naws_access_key_id = AK\naws_secret_access_key = SK\n", "a");
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(p->base, BaseKind::static_keys);
    EXPECT_EQ(p->base_profile.name(), "a");
    EXPECT_EQ(p->hops.size(), 1U);
}

TEST(ProfileChain, CredentialSource) {
    auto env =
        plan("[profile a]\nrole_arn = arn:aws:iam::1:role/A\ncredential_source = Environment\n", "", "a");
    ASSERT_TRUE(env) << env.error().message;
    EXPECT_EQ(env->base, BaseKind::environment);

    auto imds = plan(
        "[profile a]\nrole_arn = arn:aws:iam::1:role/A\ncredential_source = Ec2InstanceMetadata\n", "", "a");
    ASSERT_TRUE(imds) << imds.error().message;
    EXPECT_EQ(imds->base, BaseKind::instance_metadata);
    EXPECT_EQ(imds->hops.size(), 1U);

    auto ecs =
        plan("[profile a]\nrole_arn = arn:aws:iam::1:role/A\ncredential_source = EcsContainer\n", "", "a");
    ASSERT_TRUE(ecs) << ecs.error().message;
    EXPECT_EQ(ecs->base, BaseKind::container);

    auto bad = plan("[profile a]\nrole_arn = arn:aws:iam::1:role/A\ncredential_source = Magic\n", "", "a");
    ASSERT_FALSE(bad);
    EXPECT_THAT(bad.error().message, HasSubstr("\"Magic\" is not valid"));

    auto both = plan("[profile a]\nrole_arn = arn:aws:iam::1:role/A\ncredential_source = Environment\n"
                     "source_profile = b\n[profile b]\naws_access_key_id = x\naws_secret_access_key = y\n",
                     "", "a");
    ASSERT_FALSE(both);
    EXPECT_THAT(both.error().message, HasSubstr("both source_profile and credential_source"));

    auto neither = plan("[profile a]\nrole_arn = arn:aws:iam::1:role/A\n", "", "a");
    ASSERT_FALSE(neither);
    EXPECT_THAT(neither.error().message, HasSubstr("neither source_profile nor credential_source"));
}

TEST(ProfileChain, MissingSourceProfile) {
    auto p = plan("[profile a]\nrole_arn = arn:aws:iam::1:role/A\nsource_profile = ghost\n", "", "a");
    ASSERT_FALSE(p);
    EXPECT_THAT(p.error().message, HasSubstr("\"ghost\" does not exist"));
}

TEST(ProfileChain, WebIdentityWinsOverRoleChaining) {
    auto p = plan("[profile a]\nrole_arn = arn:aws:iam::1:role/A\nsource_profile = b\n"
                  "web_identity_token_file = /var/run/token\n[profile b]\n",
                  "[b]\naws_access_key_id = x\naws_secret_access_key = y\n", "a");
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(p->base, BaseKind::web_identity);
    EXPECT_TRUE(p->hops.empty());

    auto no_role = plan("[profile a]\nweb_identity_token_file = /t\n", "", "a");
    ASSERT_FALSE(no_role);
    EXPECT_THAT(no_role.error().message, HasSubstr("no role_arn"));
}

TEST(ProfileChain, WebIdentityAsTheSourceOfARole) {
    auto p = plan("[profile a]\nrole_arn = arn:aws:iam::1:role/A\nsource_profile = b\n"
                  "[profile b]\nrole_arn = arn:aws:iam::1:role/B\nweb_identity_token_file = /t\n",
                  "", "a");
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(p->base, BaseKind::web_identity);
    EXPECT_EQ(p->base_profile.name(), "b");
    EXPECT_EQ(roles(*p), std::vector<std::string>{"arn:aws:iam::1:role/A"});
}

TEST(ProfileChain, CredentialsFileKeysThenProcessThenConfigFileKeys) {
    auto creds_file = plan("[profile a]\ncredential_process = /bin/creds\n",
                           "[a]\naws_access_key_id = AK\naws_secret_access_key = SK\n", "a");
    ASSERT_TRUE(creds_file) << creds_file.error().message;
    EXPECT_EQ(creds_file->base, BaseKind::static_keys);

    auto config_file = plan("[profile a]\ncredential_process = /bin/creds\naws_access_key_id = AK\n"
                            "aws_secret_access_key = SK\n",
                            "", "a");
    ASSERT_TRUE(config_file) << config_file.error().message;
    EXPECT_EQ(config_file->base, BaseKind::credential_process);

    auto only_config = plan("[profile a]\naws_access_key_id = AK\naws_secret_access_key = SK\n", "", "a");
    ASSERT_TRUE(only_config) << only_config.error().message;
    EXPECT_EQ(only_config->base, BaseKind::static_keys);

    auto process_source = plan("[profile a]\nrole_arn = arn:aws:iam::1:role/A\nsource_profile = b\n"
                               "[profile b]\ncredential_process = /bin/creds\n",
                               "", "a");
    ASSERT_TRUE(process_source) << process_source.error().message;
    EXPECT_EQ(process_source->base, BaseKind::credential_process);
    EXPECT_EQ(process_source->base_profile.name(), "b");
}

TEST(ProfileChain, IncompleteOrMissingCredentialsAreNamed) {
    auto half = plan("", "[a]\naws_access_key_id = AK\n", "a");
    ASSERT_FALSE(half);
    EXPECT_THAT(half.error().message, HasSubstr("no aws_secret_access_key"));

    auto none = plan("[profile a]\nregion = us-east-1\n", "", "a");
    ASSERT_FALSE(none);
    EXPECT_THAT(none.error().message, HasSubstr("has no credentials"));

    // botocore's SSO provider needs sso_account_id or sso_role_name to apply.
    auto sso = plan("[profile a]\nsso_session = corp\n", "", "a");
    ASSERT_FALSE(sso);
    EXPECT_THAT(sso.error().message, HasSubstr("has no credentials"));

    auto bad_duration =
        plan("[profile a]\nrole_arn = arn:aws:iam::1:role/A\ncredential_source = Environment\n"
             "duration_seconds = soon\n",
             "", "a");
    ASSERT_FALSE(bad_duration);
    EXPECT_THAT(bad_duration.error().message, HasSubstr("duration_seconds"));

    auto absent = plan("", "", "nope");
    ASSERT_FALSE(absent);
    EXPECT_THAT(absent.error().message, HasSubstr("nope"));
}

TEST(ProfileChain, SsoSessionForm) {
    auto p =
        plan("[profile a]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Dev\n"
             "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n",
             "", "a");
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(p->base, BaseKind::sso);
    EXPECT_EQ(p->sso.start_url, "https://corp.awsapps.com/start");
    EXPECT_EQ(p->sso.region, "eu-west-1");
    EXPECT_EQ(p->sso.account_id, "111122223333");
    EXPECT_EQ(p->sso.role_name, "Dev");
    EXPECT_EQ(p->sso.session_name.value_or(""), "corp");
}

TEST(ProfileChain, SsoLegacyFormAndItsErrors) {
    auto legacy = plan("[profile a]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-east-1\n"
                       "sso_account_id = 111122223333\nsso_role_name = Dev\n",
                       "", "a");
    ASSERT_TRUE(legacy) << legacy.error().message;
    EXPECT_EQ(legacy->base, BaseKind::sso);
    EXPECT_FALSE(legacy->sso.session_name);

    auto missing = plan("[profile a]\nsso_account_id = 111122223333\n", "", "a");
    ASSERT_FALSE(missing);
    EXPECT_THAT(missing.error().message, HasSubstr("lacks sso_start_url, sso_region, sso_role_name"));

    auto no_session =
        plan("[profile a]\nsso_session = gone\nsso_account_id = 1\nsso_role_name = R\n", "", "a");
    ASSERT_FALSE(no_session);
    EXPECT_THAT(no_session.error().message, HasSubstr("no [sso-session gone] section"));

    auto differs =
        plan("[profile a]\nsso_session = s\nsso_region = us-east-1\nsso_account_id = 1\n"
             "sso_role_name = R\n[sso-session s]\nsso_start_url = https://u\nsso_region = eu-west-1\n",
             "", "a");
    ASSERT_FALSE(differs);
    EXPECT_THAT(differs.error().message,
                HasSubstr("sso_region differs between the profile and [sso-session s]"));

    // SSO comes after web identity and before static keys (botocore's profile providers).
    auto with_keys = plan("[profile a]\nsso_session = s\nsso_account_id = 1\nsso_role_name = R\n"
                          "aws_access_key_id = AK\naws_secret_access_key = SK\n"
                          "[sso-session s]\nsso_start_url = https://u\nsso_region = eu-west-1\n",
                          "", "a");
    ASSERT_TRUE(with_keys) << with_keys.error().message;
    EXPECT_EQ(with_keys->base, BaseKind::sso);
}

TEST(ProfileChain, DefinesCredentials) {
    EXPECT_FALSE(aws::sources::defines_credentials(aws::Profile("empty")));
    aws::Profile region_only("r");
    region_only.set("region", "us-east-1", "/cfg/config");
    EXPECT_FALSE(aws::sources::defines_credentials(region_only));
    for (const char *key : {"role_arn", "web_identity_token_file", "sso_role_name", "aws_access_key_id",
                            "credential_process"}) {
        aws::Profile profile("p");
        profile.set(key, "x", "/cfg/config");
        EXPECT_TRUE(aws::sources::defines_credentials(profile)) << key;
    }
}
