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
