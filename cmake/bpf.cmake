# Compiles a BPF C program (CO-RE, against the vendored vmlinux.h) and generates its
# libbpf skeleton header with bpftool. The build host's kernel is never consulted:
# the object relocates at load time on whatever kernel it runs on.
find_program(BPF_CLANG NAMES clang clang-16 clang-15 clang-14 REQUIRED)
find_program(BPFTOOL NAMES bpftool PATHS /usr/sbin /usr/local/sbin REQUIRED)

if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|amd64")
  set(BPF_TARGET_ARCH x86)
  set(BPF_VMLINUX_DIR ${PROJECT_SOURCE_DIR}/bpf/vmlinux/x86_64)
else()
  message(FATAL_ERROR "no vendored vmlinux.h for ${CMAKE_SYSTEM_PROCESSOR} yet")
endif()

set(BPF_SKELETON_DIR ${PROJECT_BINARY_DIR}/bpf/skeletons)
file(MAKE_DIRECTORY ${BPF_SKELETON_DIR})

# driftguard_bpf_program(NAME <name> SOURCE <file.bpf.c> [DEPENDS headers...])
# defines target bpf_<name> producing ${BPF_SKELETON_DIR}/<name>.skel.h
function(driftguard_bpf_program)
  cmake_parse_arguments(ARG "" "NAME;SOURCE" "DEPENDS" ${ARGN})
  set(object ${CMAKE_CURRENT_BINARY_DIR}/${ARG_NAME}.bpf.o)
  set(skeleton ${BPF_SKELETON_DIR}/${ARG_NAME}.skel.h)
  add_custom_command(
    OUTPUT ${object}
    COMMAND ${BPF_CLANG} -g -O2 -target bpf -D__TARGET_ARCH_${BPF_TARGET_ARCH}
            -Wall -Werror
            -I${BPF_VMLINUX_DIR} -I${PROJECT_SOURCE_DIR}/include -I${PROJECT_SOURCE_DIR}/bpf
            -c ${CMAKE_CURRENT_SOURCE_DIR}/${ARG_SOURCE} -o ${object}
    DEPENDS ${ARG_SOURCE} ${ARG_DEPENDS} ${BPF_VMLINUX_DIR}/vmlinux.h
    COMMENT "BPF ${ARG_SOURCE}")
  add_custom_command(
    OUTPUT ${skeleton}
    COMMAND ${BPFTOOL} gen skeleton ${object} name ${ARG_NAME} > ${skeleton}
    DEPENDS ${object}
    COMMENT "skeleton ${ARG_NAME}.skel.h")
  add_custom_target(bpf_${ARG_NAME} DEPENDS ${skeleton})
endfunction()
