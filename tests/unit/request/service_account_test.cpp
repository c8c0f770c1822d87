#include <gtest/gtest.h>

#include "request/service_account.hpp"

using pullcred::request::token_identity;

// Tokens are unverified JWTs (payloads made with Python's base64 module).
TEST(TokenIdentity, SubjectAndUidOfAServiceAccountToken) {
    // {"sub":"system:serviceaccount:ns:app","kubernetes.io":{"serviceaccount":{"uid":"u-1"}}}
    EXPECT_EQ(
        token_identity("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6bnM6YXBwIiwia3ViZXJuZXRl"
                       "cy5pbyI6eyJzZXJ2aWNlYWNjb3VudCI6eyJ1aWQiOiJ1LTEifX19.sig"),
        "system:serviceaccount:ns:app/u-1");
}

TEST(TokenIdentity, AClaimOfTheWrongTypeIsIgnoredNotThrown) {
    // "uid": 7
    EXPECT_EQ(
        token_identity("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6bnM6YXBwIiwia3ViZXJuZXRl"
                       "cy5pbyI6eyJzZXJ2aWNlYWNjb3VudCI6eyJ1aWQiOjd9fX0.sig"),
        "system:serviceaccount:ns:app");
    // {"sub":5}: no usable subject, so the token's hash
    EXPECT_EQ(token_identity("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOjV9.sig").rfind("token-sha256:", 0), 0U);
}

TEST(TokenIdentity, ATokenThatIsNoJwtIsKnownByItsHash) {
    EXPECT_EQ(token_identity("not-a-jwt"),
              "token-sha256:0a43e0ba27a52f82f1a72aa05f7fb56df5ad402bb24c99ca7415b2bcaf383cb5");
}
