#!/usr/bin/env bash
# An external Maven project depends on the installed Walnut artifacts and runs an example.
#
#   .ci/external-project-test.sh [maven options]      e.g.  .ci/external-project-test.sh -o
#
# 1. Installs walnut-core, walnut-datasets and walnut-examples (with their sources and javadoc
#    jars, so javadoc's doclint runs too) into a temporary local repository. That repository links
#    every group of ~/.m2/repository except dev/walnut, so nothing new is downloaded that Maven
#    already has, and ~/.m2 never sees a Walnut snapshot.
# 2. Checks that the core jar carries no images and the datasets jar carries the sample.
# 3. Generates a project under a temporary directory that depends on walnut-core and
#    walnut-datasets, compiles a copy of two examples (walnut-examples' LinearRegression and
#    MlpClassifier) plus a class that uses the wildcard import the README describes and loads the
#    sample through walnut-core's ServiceLoader lookup, and runs them on the class path Maven
#    resolves from the installed artifacts (the class also with the jars on the module path);
#    their output is checked.
# Not part of `mvn test` (it installs and runs Maven twice, a few minutes); .ci/run calls it once.
# Options given (such as -o for offline) go to every Maven call. KEEP_TMP=1 keeps the directory.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mvn_opts=(-B -q -Dstyle.color=never "$@")
version="$(sed -n 's|^  <version>\(.*\)</version>|\1|p' "$root/pom.xml" | head -1)"
work="$(mktemp -d "${TMPDIR:-/tmp}/walnut-external.XXXXXX")"
if [[ ${KEEP_TMP:-0} != 1 ]]; then
    trap 'rm -rf "$work"' EXIT
fi
fail() {
    echo "external-project-test: FAILED: $*" >&2
    exit 1
}

# --- 1. a local repository: ~/.m2's groups by link, dev/walnut of its own ---
user_repo="${MAVEN_USER_REPO:-$HOME/.m2/repository}"
repo="$work/repository"
mkdir -p "$repo/dev"
if [[ -d $user_repo ]]; then
    for entry in "$user_repo"/* "$user_repo"/.[!.]*; do
        [[ -e $entry ]] || continue
        name="$(basename "$entry")"
        [[ $name == dev ]] || ln -s "$entry" "$repo/$name"
    done
    for entry in "$user_repo"/dev/*; do
        [[ -e $entry ]] || continue
        name="$(basename "$entry")"
        [[ $name == walnut ]] || ln -s "$entry" "$repo/dev/$name"
    done
fi

echo "== installing walnut $version into $repo"
(cd "$root" && mvn "${mvn_opts[@]}" -Dmaven.repo.local="$repo" -pl walnut-core,walnut-datasets,walnut-examples -am \
    install -DskipTests) || fail "mvn install"

installed="$repo/dev/walnut"
core_jar="$installed/walnut-core/$version/walnut-core-$version.jar"
datasets_jar="$installed/walnut-datasets/$version/walnut-datasets-$version.jar"
for f in "$core_jar" "$datasets_jar" "${core_jar%.jar}-sources.jar" "${core_jar%.jar}-javadoc.jar" \
         "${datasets_jar%.jar}-sources.jar" "${datasets_jar%.jar}-javadoc.jar"; do
    [[ -f $f ]] || fail "not installed: $f"
done

java_bin=""
if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then
    java_bin="$JAVA_HOME/bin/"
fi

# --- 2. the images are in walnut-datasets, not in walnut-core ---
list() {
    "${java_bin}jar" tf "$1"
}
if list "$core_jar" | grep -q 'idx[13]-ubyte'; then
    fail "walnut-core's jar contains Fashion-MNIST files"
fi
if list "${core_jar%.jar}-sources.jar" | grep -q 'idx[13]-ubyte'; then
    fail "walnut-core's sources jar contains Fashion-MNIST files"
fi
[[ $(list "$datasets_jar" | grep -c '^dev/walnut/datasets/fashion-mnist-sample/.*-idx[13]-ubyte.gz$') == 4 ]] \
    || fail "walnut-datasets' jar lacks the four sample files"
echo "== jars: walnut-core $(stat -c %s "$core_jar") bytes, walnut-datasets $(stat -c %s "$datasets_jar") bytes"

# --- 3. a project of someone else's ---
app="$work/app"
mkdir -p "$app/src/main/java/com/example" "$app/src/main/java/dev/walnut/examples"
for example in LinearRegression MlpClassifier Classification; do
    cp "$root/walnut-examples/src/main/java/dev/walnut/examples/$example.java" "$app/src/main/java/dev/walnut/examples/"
done
cat > "$app/pom.xml" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.example</groupId>
  <artifactId>uses-walnut</artifactId>
  <version>1.0</version>
  <properties>
    <maven.compiler.release>17</maven.compiler.release>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
  <dependencies>
    <dependency>
      <groupId>dev.walnut</groupId>
      <artifactId>walnut-core</artifactId>
      <version>$version</version>
    </dependency>
    <dependency>
      <groupId>dev.walnut</groupId>
      <artifactId>walnut-datasets</artifactId>
      <version>$version</version>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <!-- The versions Walnut's own build uses, so an offline run finds them. -->
      <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-resources-plugin</artifactId><version>3.3.1</version></plugin>
      <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-compiler-plugin</artifactId><version>3.13.0</version></plugin>
      <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-surefire-plugin</artifactId><version>3.2.5</version></plugin>
      <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-jar-plugin</artifactId><version>3.4.1</version></plugin>
      <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId><version>3.6.1</version></plugin>
    </plugins>
  </build>
</project>
POM
cat > "$app/src/main/java/com/example/App.java" <<'JAVA'
package com.example;

import dev.walnut.Tensor;
import dev.walnut.data.FashionMnist;
import dev.walnut.nn.*;
import dev.walnut.nn.Module;   // wins over java.lang.Module (the README's note)

public class App {
    public static void main(String[] args) {
        Module model = new Sequential(new Linear(3, 4), new ReLU(), new Linear(4, 2));
        Tensor out = model.forward(Tensor.ones(5, 3));
        System.out.println("app: output shape " + java.util.Arrays.toString(out.shape()) + ", "
                + model.parameters().size() + " parameters");
        // walnut-core finds walnut-datasets' sample through ServiceLoader.
        FashionMnist test = FashionMnist.bundledSample(false);
        System.out.println("app: " + test.size() + " test images, " + test.source());
    }
}
JAVA

echo "== building $app against the installed artifacts"
(cd "$app" && mvn "${mvn_opts[@]}" -Dmaven.repo.local="$repo" package \
    dependency:build-classpath -Dmdep.outputFile=classpath.txt) || fail "mvn package of the external project"
classpath="$app/target/classes:$(cat "$app/classpath.txt")"
[[ $classpath == *"$installed/walnut-core/$version/walnut-core-$version.jar"* ]] \
    || fail "the external project does not use the installed walnut-core: $classpath"
[[ $classpath != *"$root/"* ]] || fail "the external project uses the checkout's build output: $classpath"

run() {
    "${java_bin}java" -cp "$classpath" "$@" 2>&1
}
out="$(run com.example.App)" || fail "App: $out"
echo "$out"
[[ $out == *"app: output shape [5, 2], 4 parameters"* && $out == *"app: 1000 test images, bundled sample"* ]] \
    || fail "App printed: $out"
# The same with Walnut's jars on the module path (automatic modules dev.walnut, dev.walnut.datasets).
out="$("${java_bin}java" -p "$core_jar:$datasets_jar" --add-modules ALL-MODULE-PATH -cp "$app/target/classes" \
    com.example.App 2>&1)" || fail "App on the module path: $out"
[[ $out == *"app: 1000 test images, bundled sample"* ]] || fail "App on the module path printed: $out"
echo "app on the module path: ok"
out="$(run dev.walnut.examples.LinearRegression)" || fail "LinearRegression: $out"
echo "$out"
[[ $out == *"default context: y = 3.000 x -2.00"*"tape size 0"* ]] || fail "LinearRegression printed: $out"
out="$(run dev.walnut.examples.MlpClassifier)" || fail "MlpClassifier: $out"
echo "$out"
accuracy="$(sed -n 's/^test accuracy: \([0-9.]*\)%$/\1/p' <<<"$out")"
[[ -n $accuracy ]] && awk -v a="$accuracy" 'BEGIN { exit !(a > 65) }' || fail "MlpClassifier printed: $out"
echo "== external project test passed"
