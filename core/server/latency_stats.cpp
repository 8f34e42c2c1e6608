#include "core/server/latency_stats.h"

#include <cmath>
#include <cstdio>

namespace zablab::server {

void LatencySummary::add(std::int64_t ms) {
  if (ms < 0) return;  // as ZooKeeper: a clock that went backwards counts nothing
  min_ = count_ ? std::min(min_, ms) : ms;
  max_ = std::max(max_, ms);
  sum_ += ms;
  ++count_;
  ++counts_[ms];
}

double LatencySummary::avg() const {
  if (count_ == 0) return 0.0;
  const double mean = static_cast<double>(sum_) / static_cast<double>(count_);
  return std::floor(mean * 10000.0 + 0.5) / 10000.0;
}

std::int64_t LatencySummary::percentile(double quantile) const {
  if (count_ == 0) return 0;
  // The value at (1-based, fractional) rank quantile * (n + 1), between its two neighbours.
  auto value_at = [&](std::uint64_t rank) {  // 1-based
    std::uint64_t seen = 0;
    for (const auto& [ms, n] : counts_) {
      seen += n;
      if (seen >= rank) return ms;
    }
    return max_;
  };
  const double pos = quantile * static_cast<double>(count_ + 1);
  const auto index = static_cast<std::uint64_t>(pos);
  if (index < 1) return value_at(1);
  if (index >= count_) return max_;
  const double lower = static_cast<double>(value_at(index));
  const double upper = static_cast<double>(value_at(index + 1));
  return static_cast<std::int64_t>(std::llround(lower + (pos - std::floor(pos)) * (upper - lower)));
}

std::vector<std::pair<std::string, std::string>> LatencyStats::summary_lines() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, s] : {std::pair<const char*, const LatencySummary*>{"readlatency", &read},
                                std::pair<const char*, const LatencySummary*>{"updatelatency", &update}}) {
    const std::string n = name;
    out.emplace_back("avg_" + n, java_double(s->avg()));
    out.emplace_back("min_" + n, std::to_string(s->min()));
    out.emplace_back("max_" + n, std::to_string(s->max()));
    out.emplace_back("cnt_" + n, std::to_string(s->count()));
    out.emplace_back("sum_" + n, std::to_string(s->sum()));
    out.emplace_back("p50_" + n, std::to_string(s->percentile(0.5)));
    out.emplace_back("p95_" + n, std::to_string(s->percentile(0.95)));
    out.emplace_back("p99_" + n, std::to_string(s->percentile(0.99)));
    out.emplace_back("p999_" + n, std::to_string(s->percentile(0.999)));
  }
  return out;
}

std::string java_double(double v) {
  char buf[64];
  if (v != 0.0 && std::fabs(v) < 1e-3) {
    // Java switches to computerized scientific notation below 10^-3.
    int exponent = 0;
    double m = std::fabs(v);
    while (m < 1.0) {
      m *= 10.0;
      --exponent;
    }
    std::snprintf(buf, sizeof buf, "%s%.4g", v < 0 ? "-" : "", m);
    std::string mantissa = buf;
    if (mantissa.find('.') == std::string::npos) mantissa += ".0";
    return mantissa + "E" + std::to_string(exponent);
  }
  std::snprintf(buf, sizeof buf, "%.4f", v);
  std::string s = buf;
  // The shortest form that reads back the same: trailing zeros go, one digit after the point stays.
  while (s.size() > 2 && s.back() == '0' && s[s.size() - 2] != '.') s.pop_back();
  return s;
}

}  // namespace zablab::server
