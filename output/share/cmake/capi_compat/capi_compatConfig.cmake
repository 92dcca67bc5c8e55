# capi_compatConfig.cmake, written by capi-compat 0.1.0. SPDX-License-Identifier: 0BSD
# Header-only targets; link your extension to Python yourself (Python_add_library, Python::Module):
#   capi_compat::headers  capi_compat.h (the C API of CPython 3.11 ... 3.15 on CPython 3.10+)
#   capi_compat::hpy      capi_compat.h with the HPy 0.9 API layer, and hpy.h
# The tree's root is three levels above this file (share/cmake/capi_compat).
get_filename_component(_capi_compat_root "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
set(capi_compat_INCLUDE_DIR "${_capi_compat_root}/include")
set(capi_compat_HPY_INCLUDE_DIR "${_capi_compat_root}/include/capi_compat_hpy")
unset(_capi_compat_root)
if(NOT TARGET capi_compat::headers)
  add_library(capi_compat::headers INTERFACE IMPORTED)
  set_target_properties(capi_compat::headers PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${capi_compat_INCLUDE_DIR}")
endif()
if(NOT TARGET capi_compat::hpy)
  add_library(capi_compat::hpy INTERFACE IMPORTED)
  set_target_properties(capi_compat::hpy PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${capi_compat_HPY_INCLUDE_DIR}")
endif()
set(capi_compat_FOUND TRUE)
