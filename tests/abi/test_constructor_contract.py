"""A module class without the constructor the SDK calls fails to compile with
the SDK's own one-line message, not a template error deep in detail::create."""
import os
import pathlib
import subprocess

SOURCE_DIR = pathlib.Path(os.environ.get("PULLCRED_SOURCE_DIR", pathlib.Path(__file__).parents[2]))

MODULE = """#include <pullcred/module.hpp>
class Backend final : public pullcred::sdk::RegistryBackend {
public:
    %s
    pullcred::sdk::Result<pullcred::sdk::Auth> get_auth(const pullcred::sdk::AuthRequest &) override {
        return pullcred::sdk::Auth{};
    }
};
PULLCRED_MODULE("contract", "1", pullcred::sdk::registry_backend<Backend>("test.contract"))
"""


def compile_module(tmp_path, constructor):
    source = tmp_path / "module.cpp"
    source.write_text(MODULE % constructor)
    return subprocess.run(["c++", "-std=c++17", "-fsyntax-only", "-I", str(SOURCE_DIR / "sdk" / "include"),
                           str(source)], capture_output=True, text=True, timeout=120)


def test_the_documented_constructor_compiles(tmp_path):
    done = compile_module(tmp_path, "Backend(pullcred::sdk::Host, const pullcred::sdk::Config &) {}")
    assert done.returncode == 0, done.stderr


def test_a_wrong_constructor_names_the_one_wanted(tmp_path):
    done = compile_module(tmp_path, "explicit Backend(int) {}")
    assert done.returncode != 0
    assert "a module class needs the constructor T(pullcred::sdk::Host host" in done.stderr
