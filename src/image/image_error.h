#pragma once

#include <stdexcept>
#include <string>

namespace driftguard::image {

// A problem with the image being read: corrupt, hostile, unsupported or unreadable.
// The message is one line and names where the problem is (file, layer, member).
class ImageError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Re-throws `error` with `where` prepended ("layer 2 sha256:ab…: member 'x': problem").
[[noreturn]] inline void rethrow_with_context(const ImageError& error, const std::string& where) {
    throw ImageError(where + ": " + error.what());
}

}  // namespace driftguard::image
