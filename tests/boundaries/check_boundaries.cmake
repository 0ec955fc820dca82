# Run by ctest (see CMakeLists.txt beside this file): builds each boundary probe and checks that
# it compiles or fails as expected; then checks that no source escapes the include roots with
# a relative path ("../scheduler/x.h").
string(REPLACE "," ";" PROBES "${PROBES}")
set(failures "")
foreach(probe IN LISTS PROBES)
  string(REPLACE "|" ";" fields "${probe}")
  list(GET fields 0 name)
  list(GET fields 1 header)
  list(GET fields 2 expect)
  execute_process(COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR} --target boundary_${name}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(expect STREQUAL "pass")
    if(NOT rc EQUAL 0)
      list(APPEND failures "${name}: including \"${header}\" should compile:\n${out}")
    endif()
  else()
    string(REPLACE "." "\\." header_re "${header}")
    # GCC: `fatal error: x/y.h: No such file or directory`; clang: `'x/y.h' file not found`.
    if(rc EQUAL 0)
      list(APPEND failures "${name}: including \"${header}\" compiled; the boundary is open")
    elseif(NOT out MATCHES "${header_re}'?:? (No such file or directory|file not found)")
      list(APPEND failures "${name}: failed, but not because \"${header}\" is unseen:\n${out}")
    endif()
  endif()
  message(STATUS "${name}: ${expect}")
endforeach()

file(GLOB_RECURSE sources ${SOURCE_DIR}/src/*.h ${SOURCE_DIR}/src/*.cc ${SOURCE_DIR}/apps/*.h
     ${SOURCE_DIR}/apps/*.cc ${SOURCE_DIR}/tests/*.h ${SOURCE_DIR}/tests/*.cc)
foreach(source IN LISTS sources)
  file(STRINGS ${source} lines REGEX "^#include \"\\.\\./")
  if(lines)
    list(APPEND failures "${source}: a relative include escapes the include roots: ${lines}")
  endif()
endforeach()

if(failures)
  list(JOIN failures "\n" text)
  message(FATAL_ERROR "module boundaries:\n${text}")
endif()
list(LENGTH PROBES count)
message(STATUS "module boundaries hold (${count} probes)")
