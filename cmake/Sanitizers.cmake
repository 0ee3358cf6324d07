# Host targets opt in through tr_host_target(); with TR_SANITIZE=ON they are
# built with ASan and UBSan, and UB is fatal so tests cannot pass over it.
function(tr_host_target target)
  tr_warnings(${target})
  if(TR_SANITIZE)
    target_compile_options(${target} PRIVATE
      -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
    target_link_options(${target} PUBLIC -fsanitize=address,undefined)
  endif()
endfunction()
