package io.cgroupotel.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No import circle between packages: reads every main source file of the reactor (this test runs
 * in {@code agent}, the module that sees the others' folders as siblings), draws the package graph
 * from its {@code import io.cgroupotel...} lines (static ones too) and fully-qualified names in
 * code, and fails naming each strongly connected component with the files behind every edge.
 */
class PackageCyclesTest {
  private static final List<String> MODULES = List.of("config", "receivers", "exporters", "agent", "tools");
  private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);
  private static final Pattern IMPORT =
      Pattern.compile("^import\\s+(?:static\\s+)?(io\\.cgroupotel[\\w.]*)", Pattern.MULTILINE);
  private static final Pattern QUALIFIED = Pattern.compile("\\b(io\\.cgroupotel(?:\\.[a-z]\\w*)+)\\.[A-Z]");
  private static final Pattern COMMENT = Pattern.compile("//[^\\n]*|/\\*.*?\\*/", Pattern.DOTALL);
  private static final Pattern STRING = Pattern.compile("\"(?:\\\\.|[^\"\\\\])*\"");

  @Test
  void packages_formNoImportCircle() {
    Map<String, Map<String, Set<String>>> graph = graph(sourceRoots());
    assertThat(graph).as("packages read").hasSizeGreaterThan(10);
    assertThat(describe(graph, stronglyConnected(graph))).as("package import circles").isEmpty();
  }

  @Test
  void stronglyConnected_findsACircleAndOnlyIt() {
    Map<String, Map<String, Set<String>>> graph = new TreeMap<>();
    edge(graph, "a", "b");
    edge(graph, "b", "c");
    edge(graph, "c", "a");
    edge(graph, "c", "d");
    edge(graph, "d", "e");
    assertThat(stronglyConnected(graph)).containsExactly(new TreeSet<>(List.of("a", "b", "c")));
  }

  private static void edge(Map<String, Map<String, Set<String>>> graph, String from, String to) {
    graph.computeIfAbsent(from, k -> new TreeMap<>()).computeIfAbsent(to, k -> new TreeSet<>()).add(from + ".java");
    graph.computeIfAbsent(to, k -> new TreeMap<>());
  }

  private static List<Path> sourceRoots() {
    Path reactor = Path.of("").toAbsolutePath().getParent();
    List<Path> roots = new ArrayList<>();
    for (String module : MODULES) {
      Path root = reactor.resolve(module).resolve("src/main/java");
      assertThat(root).as("main sources of %s", module).isDirectory();
      roots.add(root);
    }
    return roots;
  }

  /** Package to the packages it uses, each edge with the files that make it. */
  private static Map<String, Map<String, Set<String>>> graph(List<Path> roots) {
    Map<Path, String> packageOf = new HashMap<>();
    Map<Path, String> textOf = new HashMap<>();
    for (Path root : roots) {
      try (Stream<Path> files = Files.walk(root)) {
        files.filter(f -> f.toString().endsWith(".java")).forEach(f -> {
          String text = read(f);
          Matcher m = PACKAGE.matcher(text);
          assertThat(m.find()).as("package line in %s", f).isTrue();
          packageOf.put(f, m.group(1));
          textOf.put(f, text);
        });
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    Set<String> packages = new TreeSet<>(packageOf.values());
    Map<String, Map<String, Set<String>>> graph = new TreeMap<>();
    packages.forEach(p -> graph.put(p, new TreeMap<>()));
    packageOf.forEach((file, from) -> {
      String text = textOf.get(file);
      Set<String> used = new TreeSet<>();
      Matcher imports = IMPORT.matcher(text);
      while (imports.find()) {
        String to = packageOf(imports.group(1), packages);
        if (to != null) {
          used.add(to);
        }
      }
      String code = STRING.matcher(COMMENT.matcher(text).replaceAll(" ")).replaceAll("\"\"");
      code = IMPORT.matcher(code).replaceAll("");
      Matcher qualified = QUALIFIED.matcher(code);
      while (qualified.find()) {
        if (packages.contains(qualified.group(1))) {
          used.add(qualified.group(1));
        }
      }
      used.remove(from);
      for (String to : used) {
        graph.get(from).computeIfAbsent(to, k -> new TreeSet<>()).add(file.getFileName().toString());
      }
    });
    return graph;
  }

  /** The longest prefix of a qualified name that is a package (a nested class's name is longer). */
  private static String packageOf(String name, Set<String> packages) {
    for (String candidate = name; candidate.contains("."); candidate = candidate.substring(0, candidate.lastIndexOf('.'))) {
      if (packages.contains(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  /** Tarjan's algorithm, iterative; only components of more than one package are kept. */
  static List<Set<String>> stronglyConnected(Map<String, Map<String, Set<String>>> graph) {
    Map<String, Integer> index = new HashMap<>();
    Map<String, Integer> low = new HashMap<>();
    Deque<String> stack = new ArrayDeque<>();
    Set<String> onStack = new TreeSet<>();
    List<Set<String>> components = new ArrayList<>();
    int[] next = {0};
    for (String start : graph.keySet()) {
      if (index.containsKey(start)) {
        continue;
      }
      Deque<Map.Entry<String, java.util.Iterator<String>>> work = new ArrayDeque<>();
      visit(start, index, low, stack, onStack, next);
      work.push(Map.entry(start, graph.get(start).keySet().iterator()));
      while (!work.isEmpty()) {
        String v = work.peek().getKey();
        java.util.Iterator<String> edges = work.peek().getValue();
        if (edges.hasNext()) {
          String w = edges.next();
          if (!index.containsKey(w)) {
            visit(w, index, low, stack, onStack, next);
            work.push(Map.entry(w, graph.getOrDefault(w, Map.of()).keySet().iterator()));
          } else if (onStack.contains(w)) {
            low.put(v, Math.min(low.get(v), index.get(w)));
          }
          continue;
        }
        work.pop();
        if (!work.isEmpty()) {
          String parent = work.peek().getKey();
          low.put(parent, Math.min(low.get(parent), low.get(v)));
        }
        if (low.get(v).equals(index.get(v))) {
          Set<String> component = new TreeSet<>();
          String w;
          do {
            w = stack.pop();
            onStack.remove(w);
            component.add(w);
          } while (!w.equals(v));
          if (component.size() > 1) {
            components.add(component);
          }
        }
      }
    }
    return components;
  }

  private static void visit(String v, Map<String, Integer> index, Map<String, Integer> low,
      Deque<String> stack, Set<String> onStack, int[] next) {
    index.put(v, next[0]);
    low.put(v, next[0]);
    next[0]++;
    stack.push(v);
    onStack.add(v);
  }

  private static List<String> describe(Map<String, Map<String, Set<String>>> graph, List<Set<String>> components) {
    List<String> lines = new ArrayList<>();
    for (Set<String> component : components) {
      StringBuilder s = new StringBuilder("circle " + component + ":");
      for (String from : component) {
        graph.get(from).forEach((to, files) -> {
          if (component.contains(to)) {
            s.append("\n  ").append(from).append(" -> ").append(to).append(" (").append(files).append(')');
          }
        });
      }
      lines.add(s.toString());
    }
    return lines;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
