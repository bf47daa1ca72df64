#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <span>
#include <vector>

#include "common/sha256.h"
#include "image/executable.h"

namespace driftguard::image {

// Looks at a regular file's bytes as they stream past and decides whether it is an
// executable (exec bit, ELF magic or "#!"). Executables are hashed in full and their
// ELF header / "#!" line parsed from a bounded prefix; anything else is abandoned after
// its first four bytes so the reader can skip the rest without hashing it.
struct ByteRange {
    std::uint64_t offset = 0;
    std::uint64_t size = 0;
};

class ContentInspector {
  public:
    static constexpr std::size_t kPrefixLimit = 64 * 1024;

    explicit ContentInspector(bool has_exec_bit);

    // Feeds the next bytes of the file. Returns false once the file is known not to be
    // an executable; the caller may then stop feeding.
    bool feed(std::span<const std::byte> data);

    // Ends the file. Returns its facts if it is an executable.
    std::optional<ContentFacts> finish();

  private:
    enum class Decision { undecided, executable, not_executable };

    void decide(bool at_end);
    void hash_unhashed_prefix(std::uint64_t up_to);
    void capture_interpreter(std::uint64_t offset, std::span<const std::byte> data);

    bool has_exec_bit_;
    Decision decision_ = Decision::undecided;
    std::vector<std::byte> prefix_;
    std::uint64_t size_ = 0;
    std::uint64_t hashed_ = 0;
    Sha256 hasher_;
    bool interpreter_range_checked_ = false;
    std::optional<ByteRange> interpreter_range_;
    std::string captured_interpreter_;
};

// Parses the facts of an executable from its first bytes (exposed for tests).
// `captured_interpreter` is the PT_INTERP string when it lies beyond `prefix`.
void describe_content(std::span<const std::byte> prefix, std::uint64_t file_size,
                      ContentFacts& facts, const std::string* captured_interpreter = nullptr);

}  // namespace driftguard::image
