import warnings

from cryptography.utils import CryptographyDeprecationWarning

# asyncssh still loads its DSA support, which cryptography deprecates from release 51 on. The
# lab neither offers nor accepts DSA keys, so the notice would only alarm whoever starts a lab.
warnings.filterwarnings(
    "ignore",
    message="DSA is deprecated",
    category=CryptographyDeprecationWarning,
    module=r"asyncssh\.",
)
