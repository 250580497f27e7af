# The translations (src/base/i18n.h). po/es.po is the Spanish catalogue; the build checks it with
# msgfmt -c (conversions of every c-format string, the header) and compiles it into the programs
# (the .mo bytes as a C array, read by src/base/catalog.c), so charlad and charla speak Spanish
# with nothing installed. `cmake --build build --target pot` extracts every marked string into
# po/charla.pot with xgettext and merges it into po/es.po with msgmerge; tests/i18n checks that
# the catalogue is complete.
find_program(MSGFMT msgfmt REQUIRED)
find_program(XGETTEXT xgettext REQUIRED)
find_program(MSGMERGE msgmerge REQUIRED)

# xgettext's keywords: what i18n.h marks.
set(CHARLA_XGETTEXT_FLAGS --from-code=UTF-8 --language=C -k -kN_ -ki18n_tr:2 -ki18n_trn:2,3
    --add-comments=TRANSLATORS: --package-name=charla --msgid-bugs-address=charla-issues --sort-by-file --force-po)
set(CHARLA_LANGS es)

set(i18n_sources "")
foreach(lang ${CHARLA_LANGS})
  set(mo ${CMAKE_CURRENT_BINARY_DIR}/i18n/${lang}.mo)
  set(c ${CMAKE_CURRENT_BINARY_DIR}/i18n/i18n_mo_${lang}.c)
  add_custom_command(
    OUTPUT ${c}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_CURRENT_BINARY_DIR}/i18n
    COMMAND ${MSGFMT} --check --output-file=${mo} ${PROJECT_SOURCE_DIR}/po/${lang}.po
    COMMAND ${CMAKE_COMMAND} -DIN=${mo} -DOUT=${c} -DSYM=i18n_mo_${lang}
            -P ${PROJECT_SOURCE_DIR}/cmake/embed_file.cmake
    DEPENDS ${PROJECT_SOURCE_DIR}/po/${lang}.po ${PROJECT_SOURCE_DIR}/cmake/embed_file.cmake
    COMMENT "Compiling po/${lang}.po into the programs")
  list(APPEND i18n_sources ${c})
endforeach()

# The sources xgettext reads: every C file of the programs (tests and benchmarks have no words
# for users).
file(GLOB_RECURSE i18n_c_files RELATIVE ${PROJECT_SOURCE_DIR} CONFIGURE_DEPENDS
     ${PROJECT_SOURCE_DIR}/src/*.c ${PROJECT_SOURCE_DIR}/src/*.h)
list(FILTER i18n_c_files EXCLUDE REGEX "/tests/")
list(SORT i18n_c_files)
add_custom_target(pot
  COMMAND ${XGETTEXT} ${CHARLA_XGETTEXT_FLAGS} --output=po/charla.pot ${i18n_c_files}
  COMMAND ${MSGMERGE} --quiet --update --backup=none --no-fuzzy-matching po/es.po po/charla.pot
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
  COMMENT "Extracting the marked strings into po/charla.pot and merging them into po/es.po"
  VERBATIM)
