#!/bin/sh
# Builds the native reader (cgroupread.c) into OUT/linux-ARCH/, when this machine has
# a C compiler and the JDK's jni.h; without them it says so and the agent reads through
# FileChannel instead (the same values, some more CPU). Called by Maven (receivers/pom.xml).
#
#   build.sh OUT JAVA_HOME
set -e
out=$1
java_home=$2
cc=${CC:-cc}
if [ "$(uname -s)" != Linux ]; then
  echo "native reader: not Linux, not built (the agent reads through FileChannel)"
  exit 0
fi
if ! command -v "$cc" >/dev/null 2>&1; then
  echo "native reader: no C compiler ($cc), not built (the agent reads through FileChannel)"
  exit 0
fi
include=$java_home/include
[ -f "$include/jni.h" ] || include=$java_home/../include
if [ ! -f "$include/jni.h" ]; then
  echo "native reader: no jni.h under $java_home, not built (the agent reads through FileChannel)"
  exit 0
fi
case $(uname -m) in
  x86_64) arch=amd64 ;;
  *) arch=$(uname -m) ;;
esac
mkdir -p "$out/linux-$arch"
"$cc" -O2 -shared -fPIC -Wall -Wextra -Werror -I"$include" -I"$include/linux" \
  -o "$out/linux-$arch/libcgroupotelread.so" "$(dirname "$0")/cgroupread.c"
echo "native reader: built $out/linux-$arch/libcgroupotelread.so"
