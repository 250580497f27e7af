from .scram import *
from .exceptions import *
