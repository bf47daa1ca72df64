#include "agent/metrics.h"

#include <cerrno>
#include <exception>
#include <sstream>

#include <fmt/format.h>
#include <prometheus/text_serializer.h>

#include "kernel/counter_names.h"

namespace driftguard::agent {

Result<std::unique_ptr<Metrics>> Metrics::serve(
    const std::string& address, const BackendChoice& backend,
    std::map<std::string, HttpEndpoint::Handler> other_routes) {
    std::unique_ptr<Metrics> metrics(new Metrics());
    const auto colon = address.rfind(':');
    if (colon == std::string::npos || colon == 0) {
        return Error{fmt::format("metrics address '{}': expected HOST:PORT", address), EINVAL};
    }
    metrics->host_ = address.substr(0, colon);
    auto registry = std::make_shared<prometheus::Registry>();
    metrics->registry_ = registry;
    metrics->drift_ = &prometheus::BuildCounter()
                           .Name("driftguard_drift_total")
                           .Help(
                               "Drift attempts judged, by verdict (blocked, audited), kind and "
                               "container; repeats included")
                           .Register(*registry);
    metrics->containers_ = &prometheus::BuildGauge()
                                .Name("driftguard_containers")
                                .Help("Containers the agent protects, by mode")
                                .Register(*registry);
    metrics->reloads_ = &prometheus::BuildCounter()
                             .Name("driftguard_policy_reloads_total")
                             .Help("Policy reloads applied")
                             .Register(*registry)
                             .Add({});
    metrics->refusals_ = &prometheus::BuildCounter()
                              .Name("driftguard_policy_refusals_total")
                              .Help("Policies refused (the previous one stayed in force)")
                              .Register(*registry)
                              .Add({});
    metrics->events_lost_ = &prometheus::BuildGauge()
                                 .Name("driftguard_events_lost_total")
                                 .Help(
                                     "Events that could not be written to the events file "
                                     "(full disk, I/O error); the verdicts stood")
                                 .Register(*registry)
                                 .Add({});
    auto& kernel = prometheus::BuildGauge()
                       .Name("driftguard_kernel_total")
                       .Help(
                           "The kernel sensor's counters since it was loaded (they survive "
                           "agent restarts)")
                       .Register(*registry);
    for (const auto& [index, name] : kernel::kCounterNames) {
        metrics->kernel_counters_[index] = &kernel.Add({{"counter", name}});
    }
    prometheus::BuildGauge()
        .Name("driftguard_backend_info")
        .Help("The enforcement backend in use")
        .Register(*registry)
        .Add({{"backend", backend.name}})
        .Set(1);
    auto& considered = prometheus::BuildGauge()
                           .Name("driftguard_backend_considered_info")
                           .Help(
                               "Every backend the agent weighed at start-up: 1 if this kernel "
                               "and release offer it, 0 if not, and why")
                           .Register(*registry);
    for (const auto& option : backend.considered) {
        considered.Add({{"backend", option.name}, {"reason", option.reason}})
            .Set(option.usable() ? 1 : 0);
    }
    other_routes["/metrics"] = [registry] {
        std::ostringstream text;
        prometheus::TextSerializer().Serialize(text, registry->Collect());
        return HttpEndpoint::Response{.content_type = "text/plain; version=0.0.4; charset=utf-8",
                                      .body = text.str()};
    };
    auto endpoint = HttpEndpoint::serve(address, other_routes);
    if (!endpoint) {
        return Error{fmt::format("cannot serve metrics: {}", endpoint.error().message),
                     endpoint.error().code};
    }
    metrics->endpoint_ = std::move(endpoint.value());
    return metrics;
}

std::string Metrics::listening() const {
    return fmt::format("{}:{}", host_, endpoint_->port());
}

void Metrics::count_drift(const std::string& verdict, const std::string& kind,
                          const std::string& container) {
    const std::string& label = series_.count(container) != 0 || series_.size() < kMaxContainerSeries
                                   ? container
                                   : std::string(kOtherContainers);
    ContainerSeries& series = series_[label];
    auto& counter = series.counters[{verdict, kind}];
    if (counter == nullptr) {
        counter = &drift_->Add({{"verdict", verdict}, {"kind", kind}, {"container", label}});
    }
    counter->Increment();
}

void Metrics::retire_containers(const std::set<std::string>& running, Clock::time_point now) {
    for (auto it = series_.begin(); it != series_.end();) {
        ContainerSeries& series = it->second;
        if (running.count(it->first) != 0 || it->first == kOtherContainers) {
            series.gone_since.reset();
            ++it;
            continue;
        }
        if (!series.gone_since) {
            series.gone_since = now;
        }
        if (now - *series.gone_since < kRetention) {
            ++it;
            continue;
        }
        for (auto& [labels, counter] : series.counters) {
            drift_->Remove(counter);
        }
        it = series_.erase(it);
    }
}

void Metrics::set_containers(const std::map<std::string, std::size_t>& by_mode) {
    for (const char* mode : {"enforce", "audit", "off"}) {
        auto found = by_mode.find(mode);
        containers_->Add({{"mode", mode}})
            .Set(found == by_mode.end() ? 0.0 : static_cast<double>(found->second));
    }
}

void Metrics::set_kernel_counters(const kernel::SensorCounters& counters) {
    for (const auto& [index, name] : kernel::kCounterNames) {
        kernel_counters_[index]->Set(static_cast<double>(counters.values[index]));
    }
}

}  // namespace driftguard::agent
