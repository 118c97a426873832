# Helpers to register tests. Labels: unit, valgrind, system, fuzz.
find_program(VALGRIND valgrind)

# pontoon_add_unit_test(NAME SOURCES a.c... LIBS lib...)
function(pontoon_add_unit_test name)
	cmake_parse_arguments(T "" "" "SOURCES;LIBS" ${ARGN})
	if(NOT CMOCKA_FOUND)
		message(FATAL_ERROR "cmocka not found: run scripts/deps")
	endif()
	add_executable(${name} ${T_SOURCES})
	target_link_libraries(${name} PRIVATE ${T_LIBS} PkgConfig::CMOCKA)
	add_test(NAME unit/${name} COMMAND ${name})
	set_tests_properties(unit/${name} PROPERTIES LABELS unit SKIP_RETURN_CODE 77
		ENVIRONMENT "CMOCKA_MESSAGE_OUTPUT=stdout")
	if(VALGRIND AND NOT PONTOON_SANITIZE)
		add_test(NAME valgrind/${name} COMMAND ${VALGRIND} --quiet --leak-check=full
			--show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible
			--error-exitcode=99 --track-fds=no $<TARGET_FILE:${name}>)
		set_tests_properties(valgrind/${name} PROPERTIES LABELS valgrind SKIP_RETURN_CODE 77)
	endif()
endfunction()

# pontoon_add_fuzzer(NAME SOURCES a.c... LIBS lib... [CORPUS dir])
# Only built with -DPONTOON_FUZZ=ON (clang). The ctest entry is a short smoke run
# over the corpus; scripts/fuzz runs the long campaign.
function(pontoon_add_fuzzer name)
	cmake_parse_arguments(T "" "CORPUS" "SOURCES;LIBS" ${ARGN})
	if(NOT PONTOON_FUZZ)
		return()
	endif()
	add_executable(${name} ${T_SOURCES})
	target_link_libraries(${name} PRIVATE ${T_LIBS})
	target_link_options(${name} PRIVATE -fsanitize=fuzzer)
	set(corpus ${CMAKE_CURRENT_SOURCE_DIR}/corpus/${name})
	if(T_CORPUS)
		set(corpus ${T_CORPUS})
	endif()
	add_test(NAME fuzz/${name}
		COMMAND ${CMAKE_SOURCE_DIR}/tests/fuzz/smoke $<TARGET_FILE:${name}> ${corpus})
	set_tests_properties(fuzz/${name} PROPERTIES LABELS fuzz)
endfunction()
