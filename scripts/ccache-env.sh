# Sourced by the build scripts (build.sh, sanitize.sh, fuzz.sh, build-web), with $root set to the
# source tree: compiles through ccache when it is installed, so that a second build of the same
# sources (CI's next clean clone on the same machine, a rebuilt sanitizer tree) costs seconds.
# CCACHE_BASEDIR and CCACHE_NOHASHDIR make a cached object usable from another clone's path.
# ZABLAB_CCACHE=0 builds without it. Sets zl_launcher: the cmake arguments to pass at configure.
zl_launcher=()
if [ "${ZABLAB_CCACHE:-1}" != 0 ] && command -v ccache >/dev/null 2>&1; then
  zl_launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}
  export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-true}
fi
