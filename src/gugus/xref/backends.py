"""Splink's database APIs behind one name: ``db_api("duckdb")`` or ``db_api("spark")``.

Everything that differs per backend lives here, so the linkage model is
written once:

- the date format strings its date comparisons parse with (DuckDB speaks
  ``strptime`` — ``%Y%m%d``; Spark speaks Java patterns — ``yyyyMMdd``);
- the SQL dialect name Splink renders comparisons and blocking rules in;
- how the backend's session is opened and closed.

DuckDB runs in-process and needs nothing.  Spark runs in local mode
(``local[N]``, N ≤ 2 by default) in one JVM per process, started lazily on the
first ``db_api("spark")`` and stopped at exit: no web UI, bound to 127.0.0.1,
log level WARN, every scratch file (shuffle spill, checkpoints, warehouse,
``java.io.tmpdir``) under one work directory that is removed at exit when this
module created it.  It needs ``pyspark`` (the ``spark`` extra) and Java 17 or
newer; either missing is one clear line, not a traceback.

The backends agree on blocking, exact, date, array and custom-SQL levels.
String similarity is computed by different code — DuckDB's own functions,
Splink's Scala UDF jar on Spark — and the jar's Jaro differs on long strings
(0.7452 against DuckDB's 0.7508 on two FEBRL addresses), so a Jaro-Winkler
level on long text can fire on one backend and not on the other.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from gugus.errors import InvalidInput

JAVA_HINT = "--engine spark needs Java 17: apt-get install openjdk-17-jre-headless"
PYSPARK_HINT = "--engine spark needs pyspark: pip install 'gugus[spark]'"
MIN_JAVA = 17


class EngineUnavailable(InvalidInput):
    """The engine's runtime (pyspark, Java) is not installed here."""

    code = "engine_unavailable"


@dataclass(frozen=True)
class Dialect:
    """What differs per backend in the settings a model is built with."""

    engine: str
    sql_dialect: str  # Splink's name, for get_settings / get_blocking_rule
    date_format: str  # ISO dates as stored ("1980-05-17")
    compact_date_format: str  # "19800517", as FEBRL and many registries write them


DIALECTS: dict[str, Dialect] = {
    "duckdb": Dialect("duckdb", "duckdb", "%Y-%m-%d", "%Y%m%d"),
    "spark": Dialect("spark", "spark", "yyyy-MM-dd", "yyyyMMdd"),
}
ENGINES = tuple(DIALECTS)


def dialect(engine: str) -> Dialect:
    try:
        return DIALECTS[engine]
    except KeyError:
        known = ", ".join(ENGINES)
        raise InvalidInput(f"engine: unknown engine {engine!r} (known: {known})") from None


def date_format(engine: str, *, compact: bool = False) -> str:
    d = dialect(engine)
    return d.compact_date_format if compact else d.date_format


def db_api(engine: str = "duckdb", *, work_dir: str | os.PathLike | None = None, **spark_options):
    """A fresh Splink database API for ``engine``.

    ``work_dir``: where Spark keeps its scratch files (e.g. the node's
    directory); a temporary directory otherwise.  ``spark_options`` are those of
    :class:`SparkOptions` (used only when the JVM is not running yet).
    """
    dialect(engine)
    if engine == "duckdb":
        from splink import DuckDBAPI

        return DuckDBAPI()
    session = spark_session(SparkOptions(**spark_options), work_dir)
    from splink.backends.spark import SparkAPI

    return SparkAPI(
        # A session of its own per run (sharing the one JVM and SparkContext):
        # its own temporary views, so two runs in one process — the server's
        # background xrefs — never meet on a table name ("s0" already exists).
        spark_session=session.spark.newSession(),
        # Intermediate tables are persisted (memory, spilling to spark.local.dir):
        # Splink's non-Databricks default, "parquet", writes a directory of files
        # per intermediate table under the checkpoint dir.  Switch to "parquet"
        # (checkpoint dir on shared storage) on a real cluster.
        break_lineage_method=session.options.break_lineage_method,
        num_partitions_on_repartition=session.options.partitions,
    )


# What a trained model learns, per comparison level (the rest is SQL and structure).
PARAMETERS = ("m_probability", "u_probability", "fix_m_probability", "fix_u_probability")


def port_parameters(stored: dict, settings, engine: str) -> dict:
    """Splink settings for ``engine`` carrying the parameters of ``stored``.

    A model saved by Splink (``save_model_to_json``) holds its SQL in the
    dialect it was trained on: DuckDB's ``try_strptime(x, '%Y-%m-%d')`` and
    ``jaro_winkler_similarity`` do not run on Spark, and Splink does not
    translate them.  So the structure is rendered afresh from ``settings`` (a
    SettingsCreator built for ``engine``: its date levels carry that engine's
    format), and only the parameters — the prior, m and u of each level — are
    taken from ``stored``, comparison by output name and level by position.  A
    comparison whose levels differ in number keeps the creator's values.
    """
    target = settings.get_settings(dialect(engine).sql_dialect).as_dict()
    if "probability_two_random_records_match" in stored:
        target["probability_two_random_records_match"] = stored[
            "probability_two_random_records_match"
        ]
    old = {c.get("output_column_name"): c for c in stored.get("comparisons", [])}
    for comparison in target["comparisons"]:
        before = old.get(comparison.get("output_column_name"))
        if before is None or len(before["comparison_levels"]) != len(
            comparison["comparison_levels"]
        ):
            continue
        for level, was in zip(
            comparison["comparison_levels"], before["comparison_levels"], strict=True
        ):
            for key in PARAMETERS:
                if key in was:
                    level[key] = was[key]
    return target


def release(api) -> None:
    """Free what a run left in its backend; call it once the results are read.

    Splink never drops what it persists on Spark: without this a long-lived
    process (the server) would keep every run's intermediate tables cached.
    DuckDB's in-memory connection goes with the API object."""
    spark = getattr(api, "spark", None)
    if spark is None:
        return
    for table in spark.catalog.listTables():
        if table.isTemporary:
            # Dropping a cached temporary view also un-caches it.
            spark.catalog.dropTempView(table.name)


@contextmanager
def opened(engine: str = "duckdb", **options) -> Iterator[object]:
    """``with opened(engine) as api:`` — :func:`db_api`, released on the way out."""
    api = db_api(engine, **options)
    try:
        yield api
    finally:
        release(api)


# -- Spark ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SparkOptions:
    cores: int = 2  # local[cores]; the machines gugus runs on are small
    memory: str = "1g"  # driver heap (in local mode the driver does all the work)
    partitions: int = 4  # shuffle partitions; Spark's 200 is for clusters
    break_lineage_method: str = "persist"
    java_options: str = ""  # extra driver JVM flags


@dataclass
class _Session:
    spark: object
    options: SparkOptions
    work_dir: Path
    owns_work_dir: bool


_lock = threading.Lock()
# An operator's own SPARK_LOCAL_DIRS (a bigger disk) wins over the work dir.
_OPERATOR_LOCAL_DIRS = os.environ.get("SPARK_LOCAL_DIRS")
_session: _Session | None = None


def java_version(java: str | None = None) -> int | None:
    """Major version of the ``java`` pyspark would start (JAVA_HOME first, as
    pyspark does), or None when there is none."""
    if java is None:
        home = os.environ.get("JAVA_HOME")
        java = str(Path(home, "bin", "java")) if home else shutil.which("java")
    if not java or not os.access(java, os.X_OK):
        return None
    try:
        out = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if not m:
        return None
    major = int(m.group(1))
    return int(m.group(2) or 0) if major == 1 else major  # "1.8.0_392" is Java 8


def spark_unavailable() -> str | None:
    """Why ``--engine spark`` cannot run here (one line), or None."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return PYSPARK_HINT
    version = java_version()
    if version is None or version < MIN_JAVA:
        return JAVA_HINT
    return None


def spark_session(options: SparkOptions | None = None, work_dir=None) -> _Session:
    """The process's Spark session, started on first use."""
    global _session
    with _lock:
        if _session is not None:
            return _session
        reason = spark_unavailable()
        if reason:
            raise EngineUnavailable(reason)
        options = options or SparkOptions()
        owns = work_dir is None
        root = Path(tempfile.mkdtemp(prefix="gugus-spark-")) if owns else Path(work_dir) / "spark"
        _session = _Session(_start_spark(options, root), options, root, owns)
        atexit.register(stop_spark)
        return _session


def stop_spark() -> None:
    """Stop the JVM and remove the scratch directory this module created."""
    global _session
    with _lock:
        s, _session = _session, None
    if s is None:
        return
    s.spark.stop()
    if s.owns_work_dir:
        shutil.rmtree(s.work_dir, ignore_errors=True)


LOG4J = """\
rootLogger.level = warn
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
# Harmless on every machine without Hadoop's native libraries.
logger.native.name = org.apache.hadoop.util.NativeCodeLoader
logger.native.level = error
# "Truncated the string representation of a plan": Splink's wide plans, harmless.
logger.plan.name = org.apache.spark.sql.catalyst.util.SparkStringUtils
logger.plan.level = error
# "Asked to cache already cached data": Splink re-persists tables during training.
logger.cache.name = org.apache.spark.sql.execution.CacheManager
logger.cache.level = error
"""


def _start_spark(options: SparkOptions, root: Path):
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    dirs = {name: root / name for name in ("local", "checkpoints", "warehouse", "tmp")}
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    log4j = root / "log4j2.properties"
    log4j.write_text(LOG4J)
    # No lookups of this host's name or public address: loopback only.
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("SPARK_LOCAL_HOSTNAME", "localhost")
    # Scratch space as the environment variable: set as spark.local.dir, Spark
    # warns on every start that a cluster manager would override it.
    os.environ["SPARK_LOCAL_DIRS"] = _OPERATOR_LOCAL_DIRS or str(dirs["local"])
    java_opts = f"-Djava.io.tmpdir={dirs['tmp']} -Dlog4j2.configurationFile=file:{log4j}"
    java_opts = f"{java_opts} {options.java_options}".strip()
    conf = {
        "spark.driver.memory": options.memory,
        "spark.driver.extraJavaOptions": java_opts,
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.warehouse.dir": str(dirs["warehouse"]),
        "spark.sql.shuffle.partitions": str(options.partitions),
        "spark.default.parallelism": str(options.partitions),
        "spark.sql.session.timeZone": "UTC",
        # Splink's string-similarity functions (jaro_winkler, damerau_levenshtein…),
        # shipped inside the splink wheel: nothing is downloaded.
        "spark.jars": similarity_jar_location(),
    }
    builder = SparkSession.builder.master(f"local[{options.cores}]").appName("gugus-xref")
    for key, value in conf.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    spark.sparkContext.setCheckpointDir(str(dirs["checkpoints"]))
    return spark
