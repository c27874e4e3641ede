from .start import main

main("python -m site_gen")
