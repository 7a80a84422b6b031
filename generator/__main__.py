from rsqgen.cli import main

main()
