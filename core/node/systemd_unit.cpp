#include "node/systemd_unit.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <sstream>

#include "util/files.hpp"

namespace pullcred::node {

namespace fs = std::filesystem;

namespace {

// systemd's unit search path, highest priority first (the usual subset).
constexpr std::array<const char *, 5> kUnitDirs{"etc/systemd/system", "run/systemd/system",
                                                "usr/local/lib/systemd/system", "usr/lib/systemd/system",
                                                "lib/systemd/system"};

std::string trim(std::string_view text) {
    const auto begin = text.find_first_not_of(" \t\r");
    if (begin == std::string_view::npos) return {};
    const auto end = text.find_last_not_of(" \t\r");
    return std::string(text.substr(begin, end - begin + 1));
}

std::string first_word(std::string_view command) {
    auto text = trim(command);
    // ExecStart prefixes: @ - : + !
    std::size_t pos = 0;
    while (pos < text.size() && std::string_view("@-:+!").find(text[pos]) != std::string_view::npos) ++pos;
    const auto end = text.find_first_of(" \t", pos);
    return text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
}

} // namespace

std::vector<std::pair<std::string, std::string>> unit_entries(const std::string &content,
                                                              const std::string &section) {
    std::vector<std::pair<std::string, std::string>> entries;
    std::istringstream in(content);
    std::string line;
    std::string current;
    while (std::getline(in, line)) {
        auto text = trim(line);
        if (text.empty() || text.front() == '#' || text.front() == ';') continue;
        while (!text.empty() && text.back() == '\\') {
            text.pop_back();
            std::string next;
            if (!std::getline(in, next)) break;
            const auto more = trim(next);
            if (!more.empty() && (more.front() == '#' || more.front() == ';'))
                continue; // comments inside continuations
            text = trim(text).append(" ").append(more);
        }
        if (text.empty()) continue; // a lone '\' continuation
        if (text.front() == '[') {
            current =
                text.substr(1, text.find(']') == std::string::npos ? std::string::npos : text.find(']') - 1);
            continue;
        }
        if (current != section) continue;
        const auto equals = text.find('=');
        if (equals == std::string::npos) continue;
        entries.emplace_back(trim(std::string_view(text).substr(0, equals)),
                             trim(std::string_view(text).substr(equals + 1)));
    }
    return entries;
}

Result<KubeletUnit> find_kubelet_unit(const fs::path &host_root) {
    KubeletUnit unit;
    std::error_code error;
    for (const char *dir : kUnitDirs) {
        const auto candidate = host_root / dir / "kubelet.service";
        if (fs::exists(candidate, error)) {
            unit.unit = candidate;
            break;
        }
    }
    if (unit.unit.empty()) {
        std::string looked;
        for (const char *dir : kUnitDirs) looked += (looked.empty() ? "/" : ", /") + std::string(dir);
        return Error::failed(
            "no kubelet.service under " + host_root.string() + " (looked in " + looked +
            "): pullcred sets kubelet's flags with a systemd drop-in and does not guess which env "
            "file a kubelet it cannot see reads");
    }
    // Drop-ins: the same name in a higher-priority directory wins; applied by name.
    std::map<std::string, fs::path> by_name;
    for (auto dir = kUnitDirs.rbegin(); dir != kUnitDirs.rend(); ++dir) {
        const auto drop_dir = host_root / *dir / "kubelet.service.d";
        if (!fs::is_directory(drop_dir, error)) continue;
        for (const auto &entry : fs::directory_iterator(drop_dir, error))
            if (entry.path().extension() == ".conf") by_name[entry.path().filename().string()] = entry.path();
    }
    std::vector<fs::path> files{unit.unit};
    for (const auto &[name, path] : by_name) {
        if (name == kDropInName) continue;
        unit.drop_ins.push_back(path);
        files.push_back(path);
    }
    std::string all_content;
    for (const auto &file : files) {
        auto content = read_file_capped(file, "systemd unit");
        if (!content) return content.error();
        all_content += *content;
        for (const auto &[key, value] : unit_entries(*content, "Service")) {
            if (key != "ExecStart") continue;
            if (value.empty()) {
                unit.exec_start.clear();
            } else {
                unit.exec_start = value;
                if (file.filename().string() > kDropInName && file != unit.unit)
                    return Error::failed("drop-in " + file.string() +
                                         " sets kubelet's ExecStart after pullcred's " + kDropInName +
                                         ", so pullcred's flags would be lost; rename it below 90-");
            }
        }
    }
    if (unit.exec_start.empty())
        return Error::failed(unit.unit.string() + " and its drop-ins set no ExecStart for kubelet");
    unit.executable = first_word(unit.exec_start);
    if (by_name.contains("10-kubeadm.conf")) {
        unit.layout = "kubeadm";
    } else if (unit.exec_start.find("NODEADM") != std::string::npos) {
        unit.layout = "eks-al2023";
    } else if (all_content.find("/etc/eks") != std::string::npos) {
        unit.layout = "eks-al2";
    } else {
        unit.layout = "systemd";
    }
    if (all_content.find("--image-credential-provider-config") != std::string::npos)
        unit.warnings.push_back(
            "kubelet already has --image-credential-provider-config (" + unit.unit.string() +
            " or a drop-in); pullcred's flags come last and take precedence until uninstall");
    return unit;
}

std::string render_drop_in(const KubeletUnit &unit, const std::string &args) {
    std::string out;
    out += "# Managed by `pullcred node install`; `pullcred node uninstall` removes it.\n";
    out += "# kubelet's ExecStart (from " + unit.unit.filename().string();
    for (const auto &drop_in : unit.drop_ins) out += ", " + drop_in.filename().string();
    out += ") with pullcred's flags appended.\n";
    out += "[Service]\n";
    out += "Environment=\"" + std::string(kArgsVariable) + "=" + args + "\"\n";
    out += "ExecStart=\n";
    out += "ExecStart=" + unit.exec_start + " $" + kArgsVariable + "\n";
    return out;
}

} // namespace pullcred::node
