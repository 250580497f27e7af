# The layering of src/ (docs/architecture.md, "Who may include whom"), checked when CMake
# configures: every #include "..." of a file under src/ must name a header of a layer its own layer
# may use. A file that breaks the rule stops the build here, before any compiler runs, with the file,
# the line and the rule. Faces never include a bridge or another face; bridges never include a
# face; the hub and the layers below it know nothing of the layers above them.
#
# Each entry: a folder of src/, "|", then the folders (or single headers) it may include besides
# itself, separated by commas.
set(CHARLA_LAYERS
  "base|"
  "net|base"
  "hub|base"
  "text|base,hub"
  "ai|base"
  "store|base"
  "auth|base"
  "face/line|base,net,hub,text"
  "face/udp|base,net,hub,text"
  "face/irc|base,net,hub,text"
  "face/web|base,net,hub"
  "face/ask|base,net,ai"
  "bridge/assistant|base,net,hub,ai"
  "bridge/history|base,hub,store"
  "bridge/accounts|base,hub,store,auth"
  # The cluster bridge also uses hiredis and libuv: system headers (<...>), not checked here.
  "bridge/cluster|base,hub"
  "server|base,net,hub,text,ai,face,bridge,store,auth"
  "client|base,face/udp/udp_codec.h,text/text_stable.h"
)

function(charla_check_layers root)
  file(GLOB_RECURSE sources RELATIVE ${root}/src ${root}/src/*.c ${root}/src/*.h)
  set(problems "")
  foreach(rel ${sources})
    # The layer of the file: the longest entry that is a prefix of its folder.
    set(layer "")
    set(allowed "")
    foreach(entry ${CHARLA_LAYERS})
      string(REPLACE "|" ";" parts "${entry}")
      list(GET parts 0 name)
      string(LENGTH "${name}" nlen)
      string(SUBSTRING "${rel}" 0 ${nlen} head)
      string(LENGTH "${layer}" llen)
      if(head STREQUAL name AND nlen GREATER llen)
        set(layer ${name})
        list(LENGTH parts np)
        if(np GREATER 1)
          list(GET parts 1 allowed)
          string(REPLACE "," ";" allowed "${allowed}")
        else()
          set(allowed "")
        endif()
      endif()
    endforeach()
    if(layer STREQUAL "")
      list(APPEND problems "src/${rel}: in no layer of cmake/layers.cmake")
      continue()
    endif()
    file(STRINGS ${root}/src/${rel} includes REGEX "^[ \t]*#[ \t]*include[ \t]+\"")
    foreach(line ${includes})
      string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]+\"([^\"]+)\".*" "\\1" target "${line}")
      set(ok FALSE)
      foreach(prefix ${layer} ${allowed})
        string(LENGTH "${prefix}/" plen)
        string(LENGTH "${target}" tlen)
        if(tlen GREATER plen)
          string(SUBSTRING "${target}" 0 ${plen} thead)
        else()
          set(thead "")
        endif()
        if(target STREQUAL prefix OR thead STREQUAL "${prefix}/")
          set(ok TRUE)
        endif()
      endforeach()
      if(NOT ok)
        string(JOIN ", " may ${layer} ${allowed})
        list(APPEND problems "src/${rel}: includes \"${target}\", but ${layer}/ may use only: ${may}")
      endif()
    endforeach()
  endforeach()
  if(problems)
    string(REPLACE ";" "\n  " text "${problems}")
    message(FATAL_ERROR "The layering of src/ is broken (cmake/layers.cmake):\n  ${text}")
  endif()
endfunction()
