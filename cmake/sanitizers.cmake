# Sanitizer builds (CMakePresets.json): asan (ASan + UBSan) and tsan run the unit tests; fuzz
# builds the libFuzzer targets.
if(SLUICE_SANITIZE AND SLUICE_TSAN)
  message(FATAL_ERROR "SLUICE_SANITIZE (ASan) and SLUICE_TSAN do not mix: use one build each")
endif()

if(SLUICE_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

if(SLUICE_TSAN)
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
endif()

# The fuzz build instruments every library for coverage; only the fuzz targets link libFuzzer.
if(SLUICE_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
