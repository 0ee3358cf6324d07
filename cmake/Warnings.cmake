# Warnings are errors in all of our code. Applied per target so that
# freestanding guest programs can choose their own flags.
function(tr_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Werror -Wshadow -Wnon-virtual-dtor -Wcast-align
    -Wunused -Woverloaded-virtual -Wnull-dereference -Wformat=2
    -Wimplicit-fallthrough)
endfunction()
