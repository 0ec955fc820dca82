#include "api/compression.h"

#include <httplib.h>
#include <zlib.h>

#include <map>
#include <mutex>

#include "util/strings.h"

namespace sluice::api {
namespace {

constexpr size_t kMinCompressed = 1024;  // smaller bodies gain less than the header costs

// Hands `data` to the library with its length: it then neither compresses nor copies it.
void SetShared(httplib::Response& res, std::shared_ptr<const std::string> data,
               const std::string& content_type) {
  if (data->empty()) return res.set_content("", content_type);
  const size_t size = data->size();
  res.set_content_provider(
      size, content_type,
      [data = std::move(data)](size_t offset, size_t length, httplib::DataSink& sink) {
        return sink.write(data->data() + offset, length);
      });
}

}  // namespace

bool AcceptsGzip(const httplib::Request& req) {
  for (std::string_view item : Split(req.get_header_value("Accept-Encoding"), ',')) {
    std::string_view coding = Trim(item.substr(0, item.find(';')));
    if (coding != "gzip" && coding != "*") continue;
    const size_t q = item.find("q=");
    if (q == std::string_view::npos) return true;
    // q=0, q=0.0, q=0.00, q=0.000: refused; any other weight takes it.
    std::string_view weight = Trim(item.substr(q + 2));
    return weight.find_first_not_of("0.") != std::string_view::npos;
  }
  return false;
}

std::string Gzip(std::string_view data, int level) {
  z_stream zs{};
  // windowBits 15 + 16: a gzip header and trailer rather than zlib's.
  if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return {};
  std::string out(deflateBound(&zs, static_cast<uLong>(data.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return rc == Z_STREAM_END ? out : std::string();
}

void SetBody(const httplib::Request& req, httplib::Response& res, std::string body,
             const std::string& content_type) {
  res.set_header("Vary", "Accept-Encoding");
  if (body.size() >= kMinCompressed && AcceptsGzip(req)) {
    std::string packed = Gzip(body, Z_BEST_SPEED);
    if (!packed.empty()) {
      res.set_header("Content-Encoding", "gzip");
      return SetShared(res, std::make_shared<const std::string>(std::move(packed)), content_type);
    }
  }
  SetShared(res, std::make_shared<const std::string>(std::move(body)), content_type);
}

void SetStaticBody(const httplib::Request& req, httplib::Response& res, std::string_view body,
                   const std::string& content_type) {
  res.set_header("Vary", "Accept-Encoding");
  if (body.size() >= kMinCompressed && AcceptsGzip(req)) {
    static std::mutex mu;
    static auto* packed = new std::map<const char*, std::shared_ptr<const std::string>>();
    std::shared_ptr<const std::string> gz;
    {
      std::lock_guard<std::mutex> lock(mu);
      auto& slot = (*packed)[body.data()];
      if (!slot) slot = std::make_shared<const std::string>(Gzip(body, Z_BEST_COMPRESSION));
      gz = slot;
    }
    if (!gz->empty()) {
      res.set_header("Content-Encoding", "gzip");
      return SetShared(res, std::move(gz), content_type);
    }
  }
  SetShared(res, std::make_shared<const std::string>(body), content_type);
}

}  // namespace sluice::api
