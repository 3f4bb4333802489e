"""The one module that imports PySide6.

Every other module in desk_app takes its Qt names from here, so that the binding, its version
checks and the handful of compatibility shims live in one place (the qutebrowser rule). Only
``desk_app.views`` and the composition root may import this module; ``models``, ``services``,
``pdf``, ``intake`` and ``sync`` never do (a test enforces it).
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtPrintSupport, QtWidgets
from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractListModel,
    QAbstractTableModel,
    QBuffer,
    QByteArray,
    QCoreApplication,
    QDateTime,
    QElapsedTimer,
    QEvent,
    QEventLoop,
    QItemSelectionModel,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QPointF,
    QRect,
    QRectF,
    QRunnable,
    QSettings,
    QSize,
    QSizeF,
    QSortFilterProxyModel,
    Qt,
    QThread,
    QThreadPool,
    QTimer,
    QUrl,
    Signal,
    Slot,
    qInstallMessageHandler,
)
from PySide6.QtGui import (
    QAction,
    QBrush,
    QColor,
    QCursor,
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QFont,
    QFontMetrics,
    QGuiApplication,
    QIcon,
    QImage,
    QKeySequence,
    QPageLayout,
    QPageSize,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
    QShortcut,
    QStandardItem,
    QStandardItemModel,
    QTextDocument,
    QValidator,
    QWindow,
)
from PySide6.QtNetwork import QLocalServer, QLocalSocket  # one instance per user and data folder
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMenuBar,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QStatusBar,
    QStyle,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QTextEdit,
    QToolBar,
    QToolButton,
    QTreeView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

QT_VERSION = QtCore.qVersion()


def forget_imported_sources() -> None:
    """Drop the source text PySide6's import hook left in :mod:`linecache`.

    For every module imported after PySide6, shiboken's import hook reads the module's whole
    source (``inspect.getsource``) to see whether it uses PySide's optional "features"; linecache
    then keeps every line of it for the life of the process: about 40 MB once desk_app's pages,
    SQLAlchemy and the PDF engine are imported. desk_app uses no features, and linecache refills
    on demand if a traceback ever needs a line, so the window calls this after each burst of
    imports (start-up, a page's first opening).
    """
    import linecache

    linecache.clearcache()


def _cheap_feature_check() -> None:
    """Answer PySide6's per-import question ("does this module use PySide?") from the raw file.

    PySide6's import hook asks it of every module imported after PySide6, by
    ``inspect.getsource`` (tokenising the source and filling :mod:`linecache`): about a sixth of
    desk_app's import time at start-up. The question is only whether the text ``PySide6`` occurs
    in the source, which a plain read of the bytes answers the same; a module without a ``.py``
    file still goes to PySide's own check. Nothing changes if this PySide6 has no such hook.
    """
    import sys

    feature = sys.modules.get("shibokensupport.feature")
    original = getattr(feature, "_mod_uses_pyside", None)
    if original is None or getattr(original, "desk_app_cheap", False):
        return

    def mod_uses_pyside(module: object) -> bool:
        path = getattr(module, "__file__", None)
        if not isinstance(path, str) or not path.endswith(".py"):
            return bool(original(module))
        try:
            with open(path, "rb") as source:
                return b"PySide6" in source.read()
        except OSError:
            return bool(original(module))

    mod_uses_pyside.desk_app_cheap = True  # type: ignore[attr-defined]
    feature._mod_uses_pyside = mod_uses_pyside  # type: ignore[union-attr]


_cheap_feature_check()


def _keep_none_alive() -> None:
    """Give ``None``, ``True`` and ``False`` references for every call PySide6 will ever return
    them from, on Python 3.11.

    PySide6 6.12 returns ``None`` from a void call (``update()``, ``setText()``,
    ``processEvents()``...) without a new reference, as Python 3.12 allows, where ``None`` is
    immortal. On 3.11 each such call takes one reference from ``None``; when they run out the
    interpreter aborts ("Fatal Python error: none_dealloc: deallocating None"): a loop of some
    thousands of ``processEvents()`` calls did it here, and a long session would in time. The
    booleans (immortal on 3.12 too) were seen to go the same way ("bool_dealloc") at the exit of
    a long intake run. Adding 2**40 references makes each as good as immortal, as 3.12 does.
    """
    import ctypes
    import sys

    if sys.version_info >= (3, 12):
        return
    for obj in (None, True, False):
        count = ctypes.c_ssize_t.from_address(id(obj))
        # the count must sit first in the object (not so in a trace-refs debug build): the word
        # read there equals what the interpreter reports (less getrefcount's own reference)
        if count.value == sys.getrefcount(obj) - 1:
            count.value += 1 << 40


_keep_none_alive()
